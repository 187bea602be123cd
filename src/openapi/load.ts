import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { InputError } from '../core/input-error.js';
import type { NetOptions } from '../net/options.js';

/** Larger files are refused: the biggest public specs (Microsoft Graph) are ~50 MB; OpenCX's importer is for one API. */
export const MAX_SPEC_BYTES = 64 * 1024 * 1024;
/** YAML aliases expand; a "billion laughs" document must fail fast, not eat the memory. */
const MAX_ALIAS_COUNT = 1000;

export interface LoadedSpec {
  origin: string;
  format: 'json' | 'yaml';
  text: string;
  /** The parsed document (plain JS). */
  api: Record<string, unknown>;
  /** For YAML: the document model, so a fix can change only what it must and keep the rest (comments, layout). */
  yamlDoc: Document | null;
}

/** A spec that cannot be read or parsed: OpenCX's `failed_to_parse_spec`, with the position when known. */
export class SpecParseError extends Error {
  constructor(message: string, readonly line: number | null = null, readonly column: number | null = null) {
    super(message);
  }
}

export async function readSpecSource(source: string, opts: { net: NetOptions; timeoutMs?: number }): Promise<{ origin: string; text: string }> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    // The HTTP client loads only for a URL: checking a file should not pay for it.
    const { fetchText } = await import('../net/fetch-text.js');
    const r = await fetchText(source, { net: opts.net, maxBytes: MAX_SPEC_BYTES, timeoutMs: opts.timeoutMs ?? 20_000 });
    if (r.status >= 400) throw new InputError(`${source} answered ${r.status}`);
    return { origin: source, text: r.text };
  }
  const path = resolve(source);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new InputError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (size > MAX_SPEC_BYTES) throw new InputError(`${source} is ${Math.round(size / 2 ** 20)} MB; specs above ${MAX_SPEC_BYTES / 2 ** 20} MB are refused`);
  return { origin: path, text: await readFile(path, 'utf8') };
}

export function parseSpecText(origin: string, text: string): LoadedSpec {
  if (!text.trim()) throw new SpecParseError('the file is empty');
  const looksJson = /^\s*[{[]/.test(text);
  let api: unknown;
  let yamlDoc: Document | null = null;
  if (looksJson) {
    try {
      api = JSON.parse(text);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message)?.[1];
      const at = lineCol(text, pos ? Number(pos) : jsonErrorOffset(text));
      throw new SpecParseError(`invalid JSON: ${(err as Error).message.split('\n')[0]!.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*$/s, '')}`, at.line, at.column);
    }
  } else {
    yamlDoc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const e = yamlDoc.errors[0];
    if (e) throw new SpecParseError(`invalid YAML: ${e.message.split('\n')[0]}`, e.linePos?.[0]?.line ?? null, e.linePos?.[0]?.col ?? null);
    try {
      api = yamlDoc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw new SpecParseError(`invalid YAML: ${(err as Error).message} (too many aliases: refused)`);
    }
  }
  if (!api || typeof api !== 'object' || Array.isArray(api)) throw new SpecParseError('not an OpenAPI document: expected an object at the top');
  const a = api as Record<string, unknown>;
  if (!('openapi' in a) && !('swagger' in a)) throw new SpecParseError('not an OpenAPI document: no "openapi" or "swagger" field');
  return { origin, format: looksJson ? 'json' : 'yaml', text, api: a, yamlDoc };
}

/**
 * Node 20's JSON.parse does not always say where it failed. A prefix that ends before the error fails only with
 * "end of input", so a binary search over prefixes finds the offending character (about 25 parses for 30 MB).
 */
function jsonErrorOffset(text: string): number {
  const failsBefore = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      return !/end of (JSON )?input|Unterminated string/i.test((e as Error).message);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsBefore(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function lineCol(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}
