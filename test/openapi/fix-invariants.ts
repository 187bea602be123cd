/**
 * What a correct --fix must keep, checked from the outside (the input, the output text, the changed pointers),
 * with other parsers than the fix uses where it matters (jsonc-parser's tree, the yaml Document).
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { isCollection, isSeq, parseDocument, type Node } from 'yaml';
import { parseSpecText, type LoadedSpec } from '../../src/openapi/load.js';
import { checkSpec, type SpecReport } from '../../src/openapi/check.js';
import { fixSpec, type FixResult } from '../../src/openapi/fix.js';
import { operationCauses } from '../../src/openapi/report-view.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const OPENCX = ['get', 'post', 'put', 'patch', 'delete'];
type Obj = Record<string, unknown>;

export const toks = (p: string) => p.replace(/^#/, '').split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
const decode = (ref: string) => {
  try {
    return decodeURIComponent(ref);
  } catch {
    return ref;
  }
};
export function at(doc: unknown, p: string): unknown {
  let cur = doc;
  for (const t of toks(p)) cur = cur && typeof cur === 'object' ? (cur as Obj)[t] : undefined;
  return cur;
}
const esc = (t: string | number) => String(t).replace(/~/g, '~0').replace(/\//g, '~1');

function refsIn(node: unknown, out: string[]): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((x) => refsIn(x, out));
  const o = node as Obj;
  if (typeof o['$ref'] === 'string' && o['$ref'].startsWith('#')) out.push(decode(o['$ref']));
  for (const v of Object.values(o)) refsIn(v, out);
}

/** Every response (of every operation) and every node its $refs reach, transitively: none may change. */
export function assertResponsesUntouched(before: Obj, after: Obj): void {
  const roots: string[] = [];
  for (const [path, item] of Object.entries((before['paths'] ?? {}) as Record<string, Obj>)) {
    for (const m of METHODS) if (item?.[m] && (item[m] as Obj)['responses']) roots.push(`#/paths/${esc(path)}/${m}/responses`);
  }
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    const node = at(before, p);
    assert.ok(isDeepStrictEqual(at(after, p), node), `${p} changed, though a response uses it`);
    const refs: string[] = [];
    refsIn(node, refs);
    stack.push(...refs);
  }
}

/**
 * Per operation, the enum values its input can take (following $refs), each under the name of the property or
 * parameter it is for (`subtype\u0000"redirect"`), and the names that take any value of their type (a primitive type
 * and no enum): the fix may add values, or open a name up (merging a branch that allowed any string), never lose one.
 */
export function inputEnums(api: Obj, perOperation = true): Map<string, { values: Set<string>; open: Set<string> }> {
  const out = new Map<string, { values: Set<string>; open: Set<string> }>();
  // One walk per operation, or (perOperation false: Microsoft Graph's 6,000 operations each reach most of its 19 MB)
  // one walk over every input at once, under the key `(all inputs)`.
  let shared: { values: Set<string>; open: Set<string>; visited: WeakMap<object, Set<string>> } | null = null;
  for (const [path, item] of Object.entries((api['paths'] ?? {}) as Record<string, Obj>)) {
    for (const m of OPENCX) {
      const op = item?.[m] as Obj | undefined;
      if (!op) continue;
      if (!perOperation) shared ??= { values: new Set(), open: new Set(), visited: new WeakMap() };
      const values = shared?.values ?? new Set<string>();
      const open = shared?.open ?? new Set<string>();
      // A node is visited once per name it is reached under (a component used by two properties counts for both).
      const visited = shared?.visited ?? new WeakMap<object, Set<string>>();
      const visit = (n: unknown, name: string): void => {
        if (!n || typeof n !== 'object') return;
        const names = visited.get(n) ?? visited.set(n, new Set()).get(n)!;
        if (names.has(name)) return;
        names.add(name);
        if (Array.isArray(n)) return n.forEach((x) => visit(x, name));
        const o = n as Obj;
        if (typeof o['$ref'] === 'string' && o['$ref'].startsWith('#')) return visit(at(api, decode(o['$ref'])), name);
        if (Array.isArray(o['enum'])) for (const v of o['enum']) values.add(`${name}\u0000${JSON.stringify(v)}`);
        else if (['string', 'integer', 'number', 'boolean'].includes(o['type'] as string) && !('const' in o)) open.add(name);
        // A schema that says nothing (any value), and a cycle cut's placeholder (any object: what was nested is not
        // described, so every value under it can be sent).
        else if (!['type', 'const', '$ref', 'allOf', 'oneOf', 'anyOf', 'properties', 'items', 'additionalProperties', 'not'].some((k) => k in o) && !('in' in o)) open.add(name);
        if (typeof o['description'] === 'string' && o['description'].includes('circular reference cut by action-debug')) open.add('*');
        // Branches of different types (string | object): one type is kept, the others' values cannot be sent in
        // it, by construction. Only same-type merges must keep every value.
        const skip = new Set<unknown>();
        for (const k of ['oneOf', 'anyOf']) {
          const bs = Array.isArray(o[k]) ? (o[k] as Obj[]).map((b) => (typeof b?.['$ref'] === 'string' ? (at(api, decode(b['$ref'] as string)) as Obj) : b)) : [];
          const kinds = new Set(bs.map((b) => (b?.['type'] ?? (b?.['properties'] ? 'object' : '?')) as string).filter((t) => t !== 'null'));
          if (kinds.size > 1) skip.add(o[k]);
        }
        const paramName = typeof o['name'] === 'string' && typeof o['in'] === 'string' ? o['name'] : null;
        for (const [k, v] of Object.entries(o)) {
          if (k === 'example' || k === 'examples' || k === 'not' || k === 'default' || k.startsWith('x-') || skip.has(v)) continue;
          if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) for (const [pk, pv] of Object.entries(v as Obj)) visit(pv, pk);
          else visit(v, paramName ?? name);
        }
      };
      visit(op['requestBody'], '(body)');
      visit(op['parameters'], '(parameters)');
      visit(item['parameters'], '(parameters)');
      out.set(perOperation ? `${m} ${path}` : '(all inputs)', { values, open });
    }
  }
  return out;
}

/** Every enum value an input allowed (outside branches of another type) can still be sent: in an enum, or open. */
export function assertEnumsKept(before: Obj, after: Obj): void {
  const ops = Object.values((before['paths'] ?? {}) as Record<string, Obj>).reduce((n, item) => n + OPENCX.filter((m) => item?.[m]).length, 0);
  const perOperation = ops <= 1000;
  const a = inputEnums(after, perOperation);
  for (const [op, { values }] of inputEnums(before, perOperation)) {
    const now = a.get(op);
    for (const v of values) {
      const name = v.slice(0, v.indexOf('\u0000'));
      assert.ok(now?.values.has(v) || now?.open.has(name) || now?.open.has('*'), `${op}: ${name} = ${v.slice(name.length + 1)} can no longer be sent`);
    }
  }
}

const ONLY: Record<string, string[]> = {
  string: ['items', 'properties', 'maxItems', 'minItems', 'minimum', 'maximum'],
  array: ['properties', 'maxLength', 'minLength', 'pattern', 'minimum', 'maximum'],
  integer: ['items', 'properties', 'maxLength', 'pattern'],
  object: ['items', 'maxLength', 'pattern', 'maxItems'],
};
/** No schema the fix wrote keeps a keyword of a type it no longer has; a default is one of its enum values. */
export function assertNoStrayKeywords(before: Obj, api: Obj): void {
  // A copy made for the inputs (`OrderInput`, `OrderInput2`) is compared with its original.
  const original = (p: string) => (at(before, p) !== undefined ? p : p.replace(/^(#\/(?:components\/[^/]+|definitions|parameters)\/[^/]+?)Input\d*(?=\/|$)/, '$1'));
  // A node copied unchanged from anywhere in the input (a merge copies the branches' properties) is the author's.
  let written: Set<string> | null = null;
  const copiedFromInput = (o: Obj) => {
    if (!written) {
      written = new Set();
      const stack: unknown[] = [before];
      while (stack.length) {
        const x = stack.pop();
        if (!x || typeof x !== 'object') continue;
        if (!Array.isArray(x)) written.add(JSON.stringify(x));
        for (const v of Object.values(x as Obj)) stack.push(v);
      }
    }
    return written.has(JSON.stringify(o));
  };
  const visit = (n: unknown, p: string): void => {
    if (!n || typeof n !== 'object') return;
    const was = at(before, original(p)) as Obj | undefined;
    if (isDeepStrictEqual(was, n)) return; // as the author wrote it
    if (Array.isArray(n)) return n.forEach((x, i) => visit(x, `${p}/${i}`));
    const o = n as Obj;
    const t = Array.isArray(o['type']) ? (o['type'] as string[]).find((x) => x !== 'null') : o['type'];
    // A keyword the author wrote beside the same type (an array with maxLength) is theirs, not the fix's.
    const authors = (k: string) => (!!was && typeof was === 'object' && k in was && isDeepStrictEqual(was['type'], o['type'])) || copiedFromInput(o);
    if (typeof t === 'string' && ONLY[t] && !o['$ref']) for (const k of ONLY[t]!) assert.ok(!(k in o) || authors(k), `${p}: type ${t} with ${k}`);
    if (Array.isArray(o['enum']) && 'default' in o && typeof o['type'] === 'string' && !(authors('default') && authors('enum') && (copiedFromInput(o) || isDeepStrictEqual(was?.['enum'], o['enum'])))) assert.ok((o['enum'] as unknown[]).some((v) => isDeepStrictEqual(v, o['default'])), `${p}: default ${JSON.stringify(o['default'])} is not in its enum`);
    for (const [k, v] of Object.entries(o)) if (k !== 'example' && k !== 'examples' && k !== 'default' && k !== 'enum') visit(v, `${p}/${esc(k)}`);
  };
  visit(at(api, '#/paths'), '#/paths');
  visit(at(api, '#/components'), '#/components');
  visit(at(api, '#/definitions'), '#/definitions');
}

interface Span { start: number; end: number }
const trimEnd = (text: string, s: Span): Span => {
  let end = s.end;
  while (end > s.start && /\s/.test(text[end - 1]!)) end--;
  return { start: s.start, end };
};

/** Where the node at `p` is written (for a key that exists only here, from the end of the entry before it). */
const parsed = new Map<string, unknown>();
function parseOnce<T>(text: string, parse: (t: string) => T): T {
  if (!parsed.has(text)) {
    if (parsed.size > 4) parsed.clear();
    parsed.set(text, parse(text));
  }
  return parsed.get(text) as T;
}

/** A JSON object node's properties by key, built once per node: a big spec's sections have thousands of entries. */
const propsByKey = new WeakMap<JsonNode, Map<string, JsonNode>>();
function jsonProp(node: JsonNode, key: string): JsonNode | undefined {
  let m = propsByKey.get(node);
  if (!m) {
    m = new Map();
    for (const prop of node.children ?? []) if (!m.has(String(prop.children![0]!.value))) m.set(String(prop.children![0]!.value), prop);
    propsByKey.set(node, m);
  }
  return m.get(key);
}

function spanOf(text: string, format: 'json' | 'yaml', p: string, whole: boolean): Span | null {
  const t = toks(p);
  if (format === 'json') {
    let node: JsonNode | undefined = parseOnce(text, (x) => parseTree(x)!);
    let prop: JsonNode | undefined;
    for (const k of t) {
      if (!node) return null;
      if (node.type === 'array') {
        prop = undefined;
        node = /^\d+$/.test(k) ? node.children?.[Number(k)] : undefined;
      } else if (node.type === 'object') {
        prop = jsonProp(node, k);
        node = prop?.children?.[1];
      } else return null;
    }
    if (!node) return null;
    if (!whole || !prop) return { start: node.offset, end: node.offset + node.length };
    const siblings = prop.parent!.children!;
    const i = siblings.indexOf(prop);
    const start = i > 0 ? siblings[i - 1]!.offset + siblings[i - 1]!.length : prop.parent!.offset + 1;
    return { start, end: prop.offset + prop.length };
  }
  const doc = parseOnce(text, (x) => parseDocument(x));
  let cur: unknown = doc.contents;
  let pairStart = 0;
  let prevEnd = 0;
  for (const k of t) {
    if (!isCollection(cur)) return null;
    const items = (cur as { items: { key?: Node; value?: Node; range?: number[] }[] }).items;
    if (isSeq(cur)) {
      cur = (cur as unknown as { items: unknown[] }).items[Number(k)];
      continue;
    }
    const idx = items.findIndex((pair) => String((pair.key as unknown as { value: unknown })?.value) === k);
    if (idx < 0) return null;
    pairStart = (items[idx]!.key as Node).range![0];
    prevEnd = idx > 0 ? trimEnd(text, { start: 0, end: (items[idx - 1]!.value as Node).range![1] }).end : pairStart;
    cur = items[idx]!.value;
  }
  const node = cur as Node;
  if (!whole) return trimEnd(text, { start: node.range![0], end: node.range![1] });
  return trimEnd(text, { start: prevEnd, end: node.range![1] });
}

/** The text with the changed nodes cut out: for input and output, it must be the same, byte for byte. */
export function assertLayoutKept(input: string, output: string, format: 'json' | 'yaml', changed: string[]): void {
  // A replaced node becomes a marker on both sides; an added entry is cut from the output only.
  // One join (cutting a 20 MB text once per span flattened it 3,000 times on Microsoft Graph).
  const cut = (text: string, spans: (Span & { mark: string })[]) => {
    const parts: string[] = [];
    let at = 0;
    for (const s of [...spans].sort((a, b) => a.start - b.start)) {
      parts.push(text.slice(at, s.start), s.mark);
      at = Math.max(at, s.end);
    }
    parts.push(text.slice(at));
    return parts.join('');
  };
  const inSpans: (Span & { mark: string })[] = [];
  const outSpans: (Span & { mark: string })[] = [];
  for (const p of changed) {
    const existed = spanOf(input, format, p, false);
    if (existed) {
      inSpans.push({ ...existed, mark: '<edited>' });
      const o = spanOf(output, format, p, false);
      assert.ok(o, `${p} is missing from the output`);
      outSpans.push({ ...o, mark: '<edited>' });
    } else {
      const o = spanOf(output, format, p, true);
      assert.ok(o, `${p} was added but is not in the output`);
      outSpans.push({ ...o, mark: '' });
    }
  }
  const a = cut(input, inSpans);
  const b = cut(output, outSpans);
  if (a !== b) {
    let i = 0;
    while (a[i] === b[i]) i++;
    assert.fail(`layout changed outside the edits near: ${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))}\nvs ${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`);
  }
}

/** Values, not schemas: a `$ref` written inside them is data (an example of a JSON Schema, say), never followed. */
const VALUE_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);
/** Local `$ref`s written in schema positions (not inside example/default/enum/const/x- values). */
export function localRefs(node: unknown, out: string[] = []): string[] {
  const stack: unknown[] = [node];
  while (stack.length) {
    const n = stack.pop();
    if (!n || typeof n !== 'object') continue;
    if (Array.isArray(n)) {
      for (const x of n) stack.push(x);
      continue;
    }
    const o = n as Obj;
    if (typeof o['$ref'] === 'string' && o['$ref'].startsWith('#')) out.push(o['$ref']);
    for (const [k, v] of Object.entries(o)) if (!VALUE_KEYS.has(k) && !k.startsWith('x-')) stack.push(v);
  }
  return out;
}
const resolvesIn = (api: unknown, ref: string) => at(api, decode(ref)) !== undefined;

/** No `$ref` of the output points nowhere, unless the input already had that same dangling `$ref`. */
export function assertNoDanglingRefs(before: Obj, after: Obj): void {
  const had = new Set(localRefs(before).filter((r) => !resolvesIn(before, r)));
  const now = [...new Set(localRefs(after).filter((r) => !resolvesIn(after, r) && !had.has(r)))];
  assert.deepEqual(now.slice(0, 3), [], `${now.length} $ref(s) left dangling, e.g. ${now[0]}`);
}

/**
 * One line per edit, none twice, each about a node the output changed: the change count (the number of lines) is the
 * number of edits. A line names its pointer first (`#/…: what`), or is a copy (`copied A to B …`).
 */
export function assertCountIsEdits(applied: string[], changed: string[]): void {
  assert.equal(new Set(applied).size, applied.length, `an edit is counted twice: ${applied.find((a, i) => applied.indexOf(a) !== i)}`);
  const copies = applied.filter((a) => a.startsWith('copied '));
  const lines = applied.filter((a) => !a.startsWith('copied '));
  // Pointers and all their ancestors, as sets: Microsoft Graph has 3,000 edits.
  const withAncestors = (ps: string[]) => {
    const out = new Set<string>();
    for (let p of ps) for (; p.length > 1 && !out.has(p); p = p.slice(0, p.lastIndexOf('/'))) out.add(p);
    return out;
  };
  const changedSet = new Set(changed);
  const inside = (p: string) => {
    for (let q = p; q.length > 1; q = q.slice(0, q.lastIndexOf('/'))) if (changedSet.has(q)) return true;
    return false;
  };
  const linePointers: string[] = [];
  for (const a of lines) {
    const p = a.slice(0, a.indexOf(': '));
    assert.ok(p.startsWith('#') && inside(p), `"${a}" is not about a node the output changed`);
    linePointers.push(p);
  }
  const saidAt = withAncestors(linePointers);
  const copied = new Set(copies.map((a) => /^copied .* to (.*) for /.exec(a)?.[1]));
  // A $ref pointed at a copy is part of that copy's edit.
  const said = (c: string) => saidAt.has(c) || copied.has(toks(c).at(-1)) || (c.endsWith('/$ref') && copies.length > 0);
  for (const c of changed) assert.ok(said(c), `${c} changed but no edit says so`);
  assert.ok(copies.length <= changed.length);
}

export interface Break {
  /** Which invariant: output-parse, recheck, new-error, idempotent, responses, enums, stray-keywords, dangling-ref, layout, count. */
  kind: string;
  message: string;
}

/**
 * Every invariant a written fix (`problem === null`) must keep, each run on its own so one break does not hide the
 * next: what the generated-case tests assert and the corpus sweep (bench/spec-corpus.ts) counts. `before` is the
 * input's check. Returns the output's parsed spec too (for the caller's own checks), or null when it does not parse.
 */
export function fixBreaks(spec: LoadedSpec, before: SpecReport, r: FixResult, stage: (name: string) => void = () => {}): { breaks: Break[]; out: LoadedSpec | null } {
  const breaks: Break[] = [];
  const step = (kind: string, f: () => void) => {
    stage(kind);
    try {
      f();
    } catch (err) {
      breaks.push({ kind, message: (err as Error).message.split('\n').slice(0, 3).join(' ') });
    }
  };
  let out: LoadedSpec | null = null;
  step('output-parse', () => {
    out = parseSpecText(spec.origin, r.text);
  });
  if (!out) return { breaks, out };
  const o = out as LoadedSpec;
  let fresh: SpecReport | null = null;
  step('recheck', () => {
    // What the fix re-checked is the output's document, and that re-check (reusing the input's check outside the
    // edits) is a check from scratch.
    assert.ok(isDeepStrictEqual(r.output, o.api), 'the re-checked document is not the output\'s');
    fresh = checkSpec(o);
    assert.ok(isDeepStrictEqual(r.report, fresh), 'the re-check differs from a fresh check');
  });
  step('new-error', () => {
    const had = operationCauses(before, 'error');
    const gained = [...operationCauses(fresh ?? checkSpec(o), 'error')].filter((k) => !had.has(k));
    assert.deepEqual(gained.slice(0, 3), [], `${gained.length} (operation, error) pair(s) gained`);
  });
  step('idempotent', () => {
    const again = fixSpec(o);
    assert.deepEqual(again.applied.slice(0, 3), [], `a second --fix changes ${again.applied.length} thing(s)`);
    assert.ok(again.text === r.text, 'a second --fix changes the text');
  });
  step('responses', () => assertResponsesUntouched(spec.api, o.api));
  step('enums', () => assertEnumsKept(spec.api, o.api));
  step('stray-keywords', () => assertNoStrayKeywords(spec.api, o.api));
  step('dangling-ref', () => assertNoDanglingRefs(spec.api, o.api));
  step('layout', () => assertLayoutKept(spec.text, r.text, spec.format, r.changed));
  step('count', () => assertCountIsEdits(r.applied, r.changed));
  return { breaks, out: o };
}
