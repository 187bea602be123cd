import { jsonVisible, visibleText } from '../core/visible-text.js';

/** Where a CLI command writes and what environment it reads: process streams in use, buffers in tests. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/**
 * A stream that shows, never executes, what it is given: the CLI prints endpoints' bodies and headers, spec paths and
 * operation ids, OpenCX names, and an ESC from any of them would clear the screen, recolour a verdict or plant a
 * hyperlink (OSC 8); a bidi control would reorder the line. Every write passes `visibleText` (`\x1b`, `<U+202E>`), or
 * for JSON output `jsonVisible` (`\u001b`: the same string for any JSON reader). The CLI prints no escape sequences of
 * its own (no colour, progress is plain lines), so the whole stream can be cleaned without marking ours.
 */
function showing(stream: NodeJS.WritableStream, clean: (s: string) => string): NodeJS.WritableStream {
  // Bytes are decoded as one UTF-8 stream, so a character split across two writes is cleaned whole.
  const decoder = new TextDecoder('utf-8');
  const text = (chunk: unknown): unknown => (typeof chunk === 'string' ? clean(chunk) : chunk instanceof Uint8Array ? clean(decoder.decode(chunk, { stream: true })) : chunk);
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') return (chunk: unknown, ...rest: unknown[]) => (target.write as (...a: unknown[]) => boolean)(text(chunk), ...rest.filter((r) => typeof r !== 'string'));
      if (key === 'end') return (chunk?: unknown, ...rest: unknown[]) => (typeof chunk === 'function' || chunk === undefined ? (target.end as (...a: unknown[]) => unknown)(chunk) : (target.end as (...a: unknown[]) => unknown)(text(chunk), ...rest.filter((r) => typeof r !== 'string')));
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The Io every command gets (wrapped once, in main): stderr always as text; stdout as JSON text when the command was asked
 * for JSON. Either way nothing unsafe reaches the terminal: the mode only picks the notation.
 */
export function terminalSafe(io: Io, json: boolean): Io {
  return { env: io.env, stdout: showing(io.stdout, json ? jsonVisible : visibleText), stderr: showing(io.stderr, visibleText) };
}
