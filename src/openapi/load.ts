import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { load as loadYaml, CORE_SCHEMA } from 'js-yaml';
import { redactUrl } from '../core/redact.js';
import { InputError } from '../core/input-error.js';
import { readBlockYaml, NOT_BLOCK_YAML } from './yaml-block-reader.js';
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
}

/**
 * For YAML: the document model with every node's position, so a fix can change only what it must and keep the rest
 * (comments, layout). Built on first use only: the check does not need it, and on a 25 MB YAML spec it costs ~8 s
 * where reading the values (js-yaml) costs under 1 s.
 */
const documents = new WeakMap<LoadedSpec, Document>();
export function yamlDocumentOf(spec: LoadedSpec): Document {
  let doc = documents.get(spec);
  if (!doc) {
    doc = parseDocument(spec.text, { prettyErrors: true, uniqueKeys: true });
    documents.set(spec, doc);
  }
  return doc;
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
    // Shown in errors and reports: a spec URL's credentials (?token=…) as [redacted].
    if (r.status >= 400) throw new InputError(`${redactUrl(source)} answered ${r.status}`);
    return { origin: redactUrl(source), text: r.text };
  }
  return { origin: resolve(source), text: await readLocalSpec(source) };
}

/**
 * A local spec is read only if it is a regular file under MAX_SPEC_BYTES. A FIFO would stall one of libuv's few worker
 * threads (and every DNS lookup queued behind it), /dev/zero never ends, a directory is not a spec. The file is opened
 * non-blocking (so a FIFO swapped in after a check cannot block), then the open handle itself is checked and read with a cap.
 */
async function readLocalSpec(source: string): Promise<string> {
  const path = resolve(source);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${source}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new InputError(`${source} is not a regular file (${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a file'}): give an OpenAPI .json or .yaml file`);
    if (st.size > MAX_SPEC_BYTES) throw new InputError(`${source} is ${Math.round(st.size / 2 ** 20)} MB; specs above ${MAX_SPEC_BYTES / 2 ** 20} MB are refused`);
    // Read at most one byte past the cap: a file that grows while being read is refused, not read without end.
    const buf = Buffer.alloc(Math.min(st.size, MAX_SPEC_BYTES) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) {
        if (n > MAX_SPEC_BYTES) throw new InputError(`${source} grew past ${MAX_SPEC_BYTES / 2 ** 20} MB while being read: refused`);
        break;
      }
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * A parser's message without any of the document's text: JSON.parse quotes the offending token and the text around it,
 * yaml quotes names and a code frame. Only the kind of problem is kept; the line and column say where.
 */
function withoutContent(message: string): string {
  const first = message.split('\n')[0]!
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/, (\.\.\.)?".*$/s, '')
    .replace(/ at line \d+, column \d+:?.*$/, '')
    .replace(/\s*(token|character)\s+(['"`]).*?\2/gi, ' $1')
    .replace(/(['"`]).*?\1/g, '…')
    .replace(/:\s+\S.*$/, '');
  return first.trim() || 'not parseable';
}

export function parseSpecText(origin: string, text: string): LoadedSpec {
  if (!text.trim()) throw new SpecParseError('the file is empty');
  const looksJson = /^\s*[{[]/.test(text);
  let api: unknown;
  if (looksJson) {
    // A UTF-8 byte order mark is allowed before JSON (RFC 8259 §8.1 lets a parser ignore it); JSON.parse refuses it.
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    try {
      api = JSON.parse(body);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message)?.[1];
      const at = lineCol(body, pos ? Number(pos) : jsonErrorOffset(body));
      throw new SpecParseError(`invalid JSON: ${withoutContent((err as Error).message)}`, at.line, at.column);
    }
  } else {
    api = fastYaml(text) ?? modelYaml(text);
  }
  if (!api || typeof api !== 'object' || Array.isArray(api)) throw new SpecParseError('not an OpenAPI document: expected an object at the top');
  const a = api as Record<string, unknown>;
  if (!('openapi' in a) && !('swagger' in a)) throw new SpecParseError('not an OpenAPI document: no "openapi" or "swagger" field');
  return { origin, format: looksJson ? 'json' : 'yaml', text, api: a };
}

/**
 * The common case, fast: the block reader takes the skeleton of block-style YAML and hands every hard part to js-yaml
 * (yaml-block-reader.ts); failing that, js-yaml reads the values (YAML 1.2 core schema, the same as `yaml`'s default) about 10×
 * faster than `yaml` builds its document model. Anything it does not take as it is (an alias, a `%YAML` directive
 * that could change the schema, a duplicate key, any error) goes to `yaml`, which keeps the alias limit and says
 * where the error is: null means "use the model".
 */
function fastYaml(text: string): unknown {
  // (The block reader never takes a document with a directive: a `%` line is outside what it reads.)
  const block = readBlockYaml(text);
  if (block !== NOT_BLOCK_YAML) return block;
  if (/^%YAML/m.test(text)) return null;
  try {
    return loadYaml(text, { schema: CORE_SCHEMA, maxAliases: 0, maxDepth: 1000 });
  } catch {
    return null;
  }
}

function modelYaml(text: string): unknown {
  const yamlDoc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const e = yamlDoc.errors[0];
  if (e) throw new SpecParseError(`invalid YAML: ${withoutContent(e.message)}`, e.linePos?.[0]?.line ?? null, e.linePos?.[0]?.col ?? null);
  try {
    return yamlDoc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new SpecParseError(`invalid YAML: ${withoutContent((err as Error).message)} (too many aliases: refused)`);
  }
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
