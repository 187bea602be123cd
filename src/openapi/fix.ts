import { isDeepStrictEqual } from 'node:util';
import type { LoadedSpec } from './load.js';
import { parseSpecText, SpecParseError, yamlDocumentOf } from './load.js';
import { visit } from 'yaml';
import { checkSpec, inputs, newCheckMemo, OPENCX_METHODS, type CheckMemo, type SpecReport } from './check.js';
import type { SpecIssue } from './issue.js';
import { escapeToken, get, join, nameOf, refToPointer, tokens } from './pointer.js';
import { walkSchema, type RefEdge } from './walk.js';
import { TYPE_FIXES, JSON_SCHEMA_TYPES } from './rules/types.js';
import { splice, SpliceError, type Spliced, type TextEdit } from './splice.js';
import { splicedJson } from './spliced-json.js';
import { Cow, setOwn } from './copy-on-write.js';
import { issuesByComponent, operationCauses } from './report-view.js';

export interface FixResult {
  /** The fixed text (the input's text when nothing changed). */
  text: string;
  /** One line per edit made: the change count is its length. */
  applied: string[];
  /** The nodes rewritten in the text (pointers), and the keys added (`#/components/schemas/OrderInput`). */
  changed: string[];
  /** Edits not made, each with its reason (the issue stays in the report). */
  refused: string[];
  /** The check of the fixed text (or of the input, when the fix is not written). */
  report: SpecReport;
  /** The document that check read: the fixed text's (the input's when nothing changed or the fix is not written). */
  output: Record<string, unknown>;
  /** Null when the text may be written; otherwise why it must not be (it would be invalid or worse than the input). */
  problem: string | null;
}

type Version = '2.0' | '3.0' | '3.1';
const FIXABLE = new Set(['spec-oneof', 'spec-invalid-type', 'spec-array-without-items', 'spec-not', 'spec-circular-ref', 'spec-nullable-misuse']);
/** A second round runs only if the first left something fixable (it should not): bounded, never a loop. */
const MAX_ROUNDS = 3;

/**
 * Rewrites the operations' input schemas so OpenCX imports them, and nothing else:
 * - every edit is copy-on-write: a component that a response (or anything outside request inputs) also uses is
 *   copied (`OrderInput`) and the inputs' $refs point at the copy; the original stays as it was;
 * - an edit is refused, with the reason, when another $ref points inside what it would change;
 * - oneOf/anyOf become one schema: enums are unioned, a default is kept only if every branch has it, and the
 *   keywords of a type that was dropped go with it;
 * - every cycle reached from an input is cut in the same run (the back edges of one depth-first walk over all
 *   inputs), so a second --fix finds nothing to do;
 * - the text is spliced (splice.ts): outside the edited nodes, the output is the input byte for byte;
 * - the output is checked again (structure and our rules) before it is handed back: `problem` says why not.
 */
export function fixSpec(spec: LoadedSpec, checked?: { report: SpecReport; memo: CheckMemo }): FixResult {
  // The caller has usually just checked the spec (the CLI has): checking it again would cost as much as the fix.
  let memo = checked?.memo ?? newCheckMemo();
  const before = checked?.report ?? checkSpec(spec, { memo });
  const profile = memo.profile ? { profile: memo.profile } : {};
  let current = spec;
  let report = before;
  const applied: string[] = [];
  const refused: string[] = [];
  const changed: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!report.issues.some((i) => FIXABLE.has(i.cause.id))) break;
    const plan = planFix(current.api, report.version, report.issues, memo);
    if (round === 0) refused.push(...plan.refused);
    if (!plan.edits.length) break;
    let spliced: Spliced;
    try {
      spliced = splice(current.text, current.format, current.format === 'yaml' ? yamlDocumentOf(current) : null, plan.edits);
    } catch (err) {
      if (!(err instanceof SpliceError)) throw err;
      return { text: spec.text, applied: [], changed: [], refused, report: before, output: spec.api, problem: `the fix was not written: ${err.message}` };
    }
    const previous = current;
    const text = spliced.text;
    try {
      // JSON: the output's document read where it changed (spliced-json.ts), the whole text only if that fails.
      const api = current.format === 'json' ? splicedJson(current, plan.edits, spliced) : null;
      current = api ? { origin: spec.origin, format: 'json', text, api } : parseSpecText(spec.origin, text);
    } catch (err) {
      if (!(err instanceof SpecParseError)) throw err;
      return { text: spec.text, applied: [], changed: [], refused, report: before, output: spec.api, problem: `the fix was not written: its output would not parse (${err.message})` };
    }
    const edited = plan.edits.map((e) => (e.kind === 'replace' ? e.pointer : join(e.map, e.key)));
    applied.push(...plan.applied);
    changed.push(...edited);
    // The output is checked again, reusing what the last check found outside the edited nodes (check.ts): the text
    // outside them is the last one's byte for byte. A YAML alias could make an edit show elsewhere: then all is checked.
    const reusable = previous.format === 'json' || !hasAlias(yamlDocumentOf(previous));
    const last = memo;
    memo = newCheckMemo();
    report = checkSpec(current, { ...profile, memo, ...(reusable ? { edited: { previous: previous.api, memo: last, changed: edited } } : {}) });
  }
  if (current === spec) return { text: spec.text, applied, changed, refused, report, output: spec.api, problem: null };
  return { text: current.text, applied, changed, refused, report, output: current.api, problem: worse(before, report) };
}

/** Whether a YAML document has an alias (`*name`): an edit to the anchored node would change it too. */
function hasAlias(doc: ReturnType<typeof yamlDocumentOf>): boolean {
  let found = false;
  visit(doc, { Alias: () => ((found = true), visit.BREAK) });
  return found;
}

/** Why the fixed spec is worse than the input (a new structural error, or an error an operation did not have), or null. */
function worse(before: SpecReport, after: SpecReport): string | null {
  const had = operationCauses(before, 'error');
  const gained = [...operationCauses(after, 'error')].filter((k) => !had.has(k));
  if (!gained.length) return null;
  const byKey = new Map<string, SpecIssue>();
  const byComponent = issuesByComponent(after);
  for (const i of after.issues) if (!i.component) byKey.set(`${i.operation ?? '(document)'}|${i.cause.id}`, i);
  for (const o of after.operations) for (const c of o.reaches) for (const i of byComponent.get(c) ?? []) if (!byKey.has(`${o.label}|${i.cause.id}`)) byKey.set(`${o.label}|${i.cause.id}`, i);
  const first = gained.slice(0, 3).map((k) => {
    const op = k.slice(0, k.lastIndexOf('|'));
    const id = k.slice(k.lastIndexOf('|') + 1);
    return `${op === '(document)' ? 'document' : op}: [${id}] ${byKey.get(k)?.message ?? ''}`;
  });
  return `the fix was not written: it would add ${gained.length} error(s): ${first.join('; ')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: which nodes change, on a copy-on-write view of the document.

interface RefAt {
  /** The object holding the $ref. */
  at: string;
  /** Decoded local target. */
  target: string;
  /** The component entry the $ref is written in, or IN (an operation's input), or OUT (anything else). */
  source: string;
  /** The component entry the target is in (entryOf), or null for an inline place. */
  entry: string | null;
}
const IN = '(input)';
const OUT = '(outside)';

interface Plan {
  edits: TextEdit[];
  applied: string[];
  refused: string[];
}

/** `#/components/schemas/Order/properties/x` → `#/components/schemas/Order`; null outside the reusable sections. */
function entryOf(pointer: string, version: Version): string | null {
  // A prefix of the (escaped) pointer, cut at a `/`: no tokenising, as this runs for each of ~100,000 refs.
  if (version === '2.0') return pointer.startsWith('#/definitions/') || pointer.startsWith('#/parameters/') || pointer.startsWith('#/responses/') ? prefix(pointer, 2) : null;
  return pointer.startsWith('#/components/') ? prefix(pointer, 3) : null;
}

/** The first `n` tokens of a pointer (`#/a/b/c`, 2 → `#/a/b`), or null when it has fewer. */
function prefix(pointer: string, n: number): string | null {
  let at = 1;
  for (let i = 0; i < n; i++) {
    if (pointer[at] !== '/') return null;
    const next = pointer.indexOf('/', at + 1);
    at = next === -1 ? pointer.length : next;
  }
  return pointer.slice(0, at);
}

const under = (p: string, root: string) => p === root || p.startsWith(root + '/');

function planFix(api: Record<string, unknown>, version: Version, issues: SpecIssue[], memo: CheckMemo): Plan {
  const applied: string[] = [];
  const refused: string[] = [];

  // Every local $ref in the document, with the place it is written: a component entry, an operation's input
  // (parameters and bodies of the methods OpenCX calls, and their path's parameters), or outside them. The place is
  // read from the keys on the way down (collectRefs), not from the pointer: ~50,000 refs on a big spec.
  const paths = (api['paths'] ?? {}) as Record<string, Record<string, unknown>>;
  const isOp = (item: Record<string, unknown> | undefined, m: string | undefined) => !!m && OPENCX_METHODS.includes(m) && !!item?.[m] && typeof item[m] === 'object';
  const sourceOf = (keys: readonly string[], at: (depth: number) => string): string => {
    const [a, b, c, d] = keys;
    // The entry's pointer as collectRefs spelled it: one string for all the refs of a component.
    if (version === '2.0' ? (a === 'definitions' || a === 'parameters' || a === 'responses') && b !== undefined : a === 'components' && c !== undefined) {
      return at(version === '2.0' ? 2 : 3);
    }
    if (a !== 'paths' || b === undefined) return OUT;
    const item = paths[b];
    if (!item || typeof item !== 'object') return OUT;
    if (c === 'parameters') return OPENCX_METHODS.some((m) => isOp(item, m)) ? IN : OUT;
    return isOp(item, c) && (d === 'parameters' || d === 'requestBody') ? IN : OUT;
  };
  const refs: RefAt[] = [];
  collectRefs(api, (keys, at, ref) => {
    if (!ref.startsWith('#')) return;
    const target = refToPointer(ref);
    refs.push({ at: at(), target, source: sourceOf(keys, at), entry: entryOf(target, version) });
  });
  const bySource = new Map<string, RefAt[]>();
  for (const r of refs) (bySource.get(r.source) ?? bySource.set(r.source, []).get(r.source)!).push(r);

  // Entries reached from inputs (R) and from outside them (O). A $ref into an inline place (a path's schema)
  // makes the refs written under that place count for whoever points there.
  const reach = (seedSource: string): Set<string> => {
    const seen = new Set<string>();
    const inlineSeen = new Set<string>();
    const stack = [...(bySource.get(seedSource) ?? [])];
    while (stack.length) {
      const r = stack.pop()!;
      const e = r.entry;
      if (e) {
        if (seen.has(e)) continue;
        seen.add(e);
        for (const x of bySource.get(e) ?? []) stack.push(x);
      } else if (!inlineSeen.has(r.target)) {
        inlineSeen.add(r.target);
        for (const x of refs) if ((x.source === IN || x.source === OUT) && under(x.at, r.target)) stack.push(x);
      }
    }
    return seen;
  };
  const R = reach(IN);
  const O = reach(OUT);

  // Edit sites: holders of the fixable issues, and the $refs that close cycles.
  const holders = new Set<string>();
  const nullableAt = new Set<string>();
  for (const i of issues) {
    if (!i.operation && !i.component) continue;
    if (i.cause.id === 'spec-oneof' || i.cause.id === 'spec-invalid-type' || i.cause.id === 'spec-not' || i.cause.id === 'spec-nullable-misuse') holders.add(parentOf(i.pointer));
    if (i.cause.id === 'spec-nullable-misuse') nullableAt.add(parentOf(i.pointer));
    else if (i.cause.id === 'spec-array-without-items') holders.add(i.pointer);
  }
  const cuts = cycleCuts(api, version, memo);

  // Entries that must change (they hold an edit, or reach one through $refs) and, of those, the ones something
  // outside the inputs also uses: those are copied, never edited.
  const dirty = new Set<string>();
  for (const p of [...holders, ...cuts.map((c) => c.at)]) {
    const e = entryOf(p, version);
    if (e) dirty.add(e);
  }
  // C: the dirty entries and every entry reached from inputs that reaches one (followed back along the $refs).
  const into = new Map<string, string[]>();
  for (const r of refs) {
    if (r.source === IN || r.source === OUT || !r.entry || !R.has(r.source)) continue;
    (into.get(r.entry) ?? into.set(r.entry, []).get(r.entry)!).push(r.source);
  }
  const C = new Set<string>(dirty);
  for (const stack = [...dirty]; stack.length; ) {
    for (const source of into.get(stack.pop()!) ?? []) if (!C.has(source)) C.add(source), stack.push(source);
  }
  const clones = new Map<string, string>();
  const cloneSet = new Set<string>();
  // Copies are named and added in the order of their originals in the document (not of the walk that found them).
  const position = new Map<string, number>();
  for (const e of C) {
    if (!O.has(e) || position.has(e)) continue;
    const section = e.slice(0, e.lastIndexOf('/'));
    Object.keys((get(api, section) ?? {}) as object).forEach((k, i) => position.set(join(section, k), i));
  }
  const toCopy = [...C].filter((e) => O.has(e)).sort((a, b) => {
    const sa = a.slice(0, a.lastIndexOf('/'));
    const sb = b.slice(0, b.lastIndexOf('/'));
    return sa < sb ? -1 : sa > sb ? 1 : (position.get(a) ?? 0) - (position.get(b) ?? 0);
  });
  for (const e of toCopy) {
    const t = tokens(e);
    const section = get(api, join('#', ...t.slice(0, -1))) as Record<string, unknown>;
    let name = `${t.at(-1)}Input`;
    for (let n = 2; name in section || cloneSet.has(join('#', ...t.slice(0, -1), name)); n++) name = `${t.at(-1)}Input${n}`;
    clones.set(e, join('#', ...t.slice(0, -1), name));
    cloneSet.add(join('#', ...t.slice(0, -1), name));
  }
  const translate = (p: string): string => {
    const e = entryOf(p, version);
    const c = e ? clones.get(e) : undefined;
    return c ? c + p.slice(e!.length) : p;
  };

  const work = new Cow(api);
  for (const [e, c] of clones) {
    work.set(c, structuredClone(get(api, e)), false);
    applied.push(`copied ${nameOf(e)} to ${nameOf(c)} for the request inputs (responses keep ${nameOf(e)} unchanged)`);
  }
  // Refs on the input side (inputs, entries edited in place, copies) now point at the copies. `effective` is every
  // $ref as it will be, each marked with whether something outside the request inputs follows it.
  const effective: { at: string; target: string; outside: boolean }[] = [];
  for (const r of refs) {
    const inputSide = r.source === IN || C.has(r.source);
    if (!inputSide || clones.has(r.source)) effective.push({ at: r.at, target: r.target, outside: r.source === OUT || O.has(r.source) });
    if (!inputSide) continue;
    // translate() with the entries already known: a ref is written under its source entry, and points into `entry`.
    const atClone = r.source === IN ? undefined : clones.get(r.source);
    const at = atClone ? atClone + r.at.slice(r.source.length) : r.at;
    const targetClone = r.entry ? clones.get(r.entry) : undefined;
    const target = targetClone ? targetClone + r.target.slice(r.entry!.length) : r.target;
    effective.push({ at, target, outside: false });
    if (target !== r.target) work.set(join(at, '$ref'), encodeRef(target), !clones.has(r.source));
  }
  const outsideTargets = new Map<string, { at: string }[]>();
  for (const r of effective) if (r.outside) (outsideTargets.get(r.target) ?? outsideTargets.set(r.target, []).get(r.target)!).push(r);
  const targetsSorted = [...new Set(effective.map((r) => r.target))].sort();

  /** Why the change at `at` from `oldNode` to `newNode` must not be made, or null. */
  const objection = (at: string, oldNode: unknown, newNode: unknown): string | null => {
    // A $ref into the changed subtree must find the same node afterwards.
    let lo = lowerBound(targetsSorted, at + '/');
    for (; lo < targetsSorted.length && targetsSorted[lo]!.startsWith(at + '/'); lo++) {
      const t = targetsSorted[lo]!;
      const rel = t.slice(at.length);
      if (!isDeepStrictEqual(get(oldNode, '#' + rel), get(newNode, '#' + rel))) {
        const who = effective.find((r) => r.target === t)!;
        return `${who.at} has a $ref to ${t}, inside what would change`;
      }
    }
    // Something outside the inputs points at this node or above it (an inline input schema a response reuses).
    if (!entryOf(at, version) && outsideTargets.size) {
      // The node and each place above it, as pointers: a pointer's prefixes at its `/`s (no tokenising and re-escaping).
      for (let p = at; p.length > 1; p = p.slice(0, p.lastIndexOf('/'))) {
        const users = outsideTargets.get(p);
        if (users?.length) return `${users[0]!.at} (outside the request inputs) refers to ${p}`;
      }
    }
    return null;
  };

  // Cycles first (leaves), then the holders, deepest first, so an outer flatten copies fixed branches.
  for (const c of cuts) {
    const at = translate(c.at);
    const target = get(api, c.target) as Record<string, unknown> | undefined;
    const type = typeof target?.['type'] === 'string' && JSON_SCHEMA_TYPES.has(target['type']) && target['type'] !== 'null' ? target['type'] : 'object';
    const placeholder: Record<string, unknown> = { type, description: `A ${nameOf(c.target)} (nested ${nameOf(c.target)} values are not described here: circular reference cut by action-debug).` };
    if (type === 'array') placeholder['items'] = {};
    const why = objection(at, get(work.root, at), placeholder);
    if (why) {
      refused.push(`${c.at}: cycle ${c.names.join(' → ')} not cut: ${why}`);
      continue;
    }
    work.set(at, placeholder, !isInClone(at));
    applied.push(`${at}: cut circular $ref to ${nameOf(c.target)} (cycle ${c.names.join(' → ')})`);
  }
  const nullableHolders = new Set([...nullableAt].map(translate));
  const ordered = [...holders].map(translate).sort((a, b) => tokens(b).length - tokens(a).length || (a < b ? -1 : 1));
  for (const h of ordered) {
    const node = get(work.root, h);
    const unsaid = nullableLeft(node, version);
    if (unsaid && nullableHolders.has(h)) refused.push(`${h}: nullable not changed: ${unsaid}`);
    const log: string[] = [];
    const fixed = fixTree(node, h, { version, resolve: (ref) => get(work.root, refToPointer(ref)) }, log);
    if (fixed === node || !log.length) continue;
    const why = objection(h, node, fixed);
    if (why) {
      refused.push(`${h}: not changed: ${why}`);
      continue;
    }
    work.set(h, fixed, !isInClone(h));
    applied.push(...log);
  }

  function isInClone(p: string): boolean {
    const e = entryOf(p, version);
    return !!e && cloneSet.has(e);
  }

  const edits: TextEdit[] = [];
  for (const p of minimalCover([...work.dirty])) edits.push({ kind: 'replace', pointer: p, value: get(work.root, p) });
  for (const c of clones.values()) {
    const t = tokens(c);
    edits.push({ kind: 'add', map: join('#', ...t.slice(0, -1)), key: t.at(-1)!, value: get(work.root, c) });
  }
  return { edits, applied, refused };
}

/** A $ref value for a decoded pointer: characters a URI fragment cannot hold are percent-encoded again. */
function encodeRef(pointer: string): string {
  return pointer.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#]/g, (c) => encodeURIComponent(c));
}

function parentOf(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The outermost of a set of pointers (an edit inside another edited node is already in its value). */
function minimalCover(pointers: string[]): string[] {
  const sorted = [...new Set(pointers)].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.length || !under(p, out[out.length - 1]!)) out.push(p);
  return out;
}

/** Maps whose keys are names the author chose (a property called `default` is a schema, not a default value). */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'schemas', 'parameters', 'responses', 'requestBodies', 'headers', 'examples', 'securitySchemes', 'links', 'callbacks', 'pathItems', 'paths', 'webhooks', 'content', 'encoding', 'variables']);
const VALUE_KEYS = new Set(['example', 'default', 'enum', 'const']);

/**
 * Whether the child `k` (value `v`) of the object reached by `keys` holds data rather than spec: an example, a default,
 * an enum or const, an extension (`x-…`), a 3.1 schema's `examples` list, an Example Object's `value`. A `$ref` written
 * in there is a value (an API about JSON Schema shows one in its examples): never followed, never rewritten.
 */
function isValueData(keys: readonly string[], k: string, v: unknown): boolean {
  const parent = keys[keys.length - 1];
  if (parent !== undefined && NAME_MAPS.has(parent) && keys[keys.length - 2] !== 'properties') return false;
  if (VALUE_KEYS.has(k) || k.startsWith('x-')) return true;
  if (k === 'examples') return Array.isArray(v);
  return k === 'value' && keys[keys.length - 2] === 'examples';
}

/**
 * Every `$ref` string in the document, with the keys on the way to the object holding it and its pointer (`at`). The
 * keys are kept on a stack and a pointer is spelled only for a `$ref`, from the longest prefix spelled before (siblings
 * share theirs): a 20 MB spec has ~1.5 million objects and ~50,000 refs.
 */
function collectRefs(doc: unknown, found: (keys: readonly string[], at: (depth?: number) => string, ref: string) => void): void {
  if (!doc || typeof doc !== 'object') return;
  const keys: string[] = [];
  // spelled[i] is the pointer of keys[0..i), valid for i <= valid.
  const spelled = ['#'];
  let valid = 0;
  /** The pointer of the first `depth` keys (all of them by default): the same string for every ref under it. */
  const at = (depth = keys.length): string => {
    for (; valid < depth; valid++) spelled[valid + 1] = `${spelled[valid]}/${escapeToken(keys[valid]!)}`;
    return spelled[depth]!;
  };
  // Recursion while the nesting is shallow (every real spec; no key arrays to allocate), an explicit stack below
  // DEEP (an example 10,000 arrays deep must not overflow the call stack).
  const DEEP = 512;
  const visit = (node: object, depth: number): void => {
    if (depth > DEEP) return visitDeep(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (!v || typeof v !== 'object') continue;
        keys.push(String(i));
        visit(v, depth + 1);
        keys.pop();
        if (valid > keys.length) valid = keys.length;
      }
      return;
    }
    const o = node as Record<string, unknown>;
    if (typeof o['$ref'] === 'string') found(keys, at, o['$ref']);
    for (const k in o) {
      const v = o[k];
      if (!v || typeof v !== 'object' || isValueData(keys, k, v)) continue;
      keys.push(k);
      visit(v, depth + 1);
      keys.pop();
      if (valid > keys.length) valid = keys.length;
    }
  };
  const visitDeep = (root: object): void => {
    const base = keys.length;
    // One frame per open container: the container, its keys (null for an array) and the next index.
    const nodes: Record<string, unknown>[] = [];
    const names: (string[] | null)[] = [];
    const next: number[] = [];
    const open = (node: object) => {
      const isArray = Array.isArray(node);
      const o = node as Record<string, unknown>;
      if (!isArray && typeof o['$ref'] === 'string') found(keys, at, o['$ref']);
      nodes.push(o);
      names.push(isArray ? null : Object.keys(o));
      next.push(0);
    };
    open(root);
    while (nodes.length) {
      const top = nodes.length - 1;
      const node = nodes[top]!;
      const ks = names[top]!;
      const i = next[top]!;
      if (i >= (ks === null ? (node as unknown as unknown[]).length : ks.length)) {
        nodes.pop();
        names.pop();
        next.pop();
        if (keys.length > base) keys.pop();
        if (valid > keys.length) valid = keys.length;
        continue;
      }
      next[top] = i + 1;
      const k = ks === null ? String(i) : ks[i]!;
      const v = node[k];
      if (v && typeof v === 'object' && (ks === null || !isValueData(keys, k, v))) {
        keys.push(k);
        open(v);
      }
    }
  };
  visit(doc, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Cycles: one depth-first walk over every input, so each cycle is cut once, at the same $ref for every operation.

interface Cut {
  at: string;
  target: string;
  names: string[];
}

function cycleCuts(api: Record<string, unknown>, version: Version, memo: CheckMemo): Cut[] {
  const edgesOf = new Map<string, RefEdge[]>();
  // Whether a $ref resolves, once per target (a big spec has ~100,000 edges to a few thousand targets).
  const resolvesMemo = new Map<string, boolean>();
  const resolves = (ref: string): boolean => {
    let r = resolvesMemo.get(ref);
    if (r === undefined) resolvesMemo.set(ref, (r = get(api, ref) !== undefined));
    return r;
  };
  const edges = (ref: string): RefEdge[] => {
    // The check walked every component an input reaches (its memo has their edges); anything else is walked here.
    let e = edgesOf.get(ref) ?? memo.components.get(ref)?.edges;
    if (!e) {
      e = [];
      walkSchema(get(api, ref), { pointer: ref, version, depth: null }, [], [], e);
      edgesOf.set(ref, e);
    }
    return e;
  };
  const state = new Map<string, 1 | 2>();
  const cuts: Cut[] = [];
  const paths = (api['paths'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, item] of Object.entries(paths)) {
    if (!item || typeof item !== 'object') continue;
    for (const m of OPENCX_METHODS) {
      const op = item[m] as Record<string, unknown> | undefined;
      if (!op || typeof op !== 'object') continue;
      const pointer = join('#/paths', path, m);
      let roots = memo.roots.get(pointer);
      if (!roots) inputs(api, version, path, item, op, pointer, [], [], (roots = []));
      for (const r of roots) {
        if (!r.ref.startsWith('#') || state.has(r.ref) || !resolves(r.ref)) continue;
        // Iterative DFS: real specs (Microsoft Graph) nest deeper than a recursive walk should go.
        const stack: { ref: string; edges: RefEdge[]; i: number }[] = [{ ref: r.ref, edges: edges(r.ref), i: 0 }];
        state.set(r.ref, 1);
        while (stack.length) {
          const top = stack[stack.length - 1]!;
          if (top.i >= top.edges.length) {
            state.set(top.ref, 2);
            stack.pop();
            continue;
          }
          const e = top.edges[top.i++]!;
          if (!e.ref.startsWith('#') || !resolves(e.ref)) continue;
          const s = state.get(e.ref);
          if (s === 1) {
            const from = stack.findIndex((x) => x.ref === e.ref);
            cuts.push({ at: e.at, target: e.ref, names: [...stack.slice(from).map((x) => nameOf(x.ref)), nameOf(e.ref)] });
          } else if (!s) {
            state.set(e.ref, 1);
            stack.push({ ref: e.ref, edges: edges(e.ref), i: 0 });
          }
        }
      }
    }
  }
  // The same $ref can close two cycles: it is cut once.
  const seen = new Set<string>();
  return cuts.filter((c) => (seen.has(c.at) ? false : (seen.add(c.at), true)));
}

// ---------------------------------------------------------------------------------------------------------------
// Node fixes: pure functions from a schema to its fixed copy (the input's objects are never changed).

interface FixCtx {
  version: Version;
  resolve: (ref: string) => unknown;
}

const CHILD_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];
const CHILD_ONE = ['items', 'additionalProperties', 'if', 'then', 'else', 'contains', 'propertyNames'];
const CHILD_LISTS = ['allOf', 'prefixItems'];

/** Keywords that belong to one type: when a merge drops a type, these go with it. */
const TYPE_KEYWORDS: Record<string, string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'format'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'format'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains'],
  object: ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'propertyNames', 'dependentRequired', 'dependentSchemas'],
  boolean: [],
  null: [],
};
const ALL_TYPED = new Set(Object.values(TYPE_KEYWORDS).flat());

type Schema = Record<string, unknown>;
const isObj = (x: unknown): x is Schema => !!x && typeof x === 'object' && !Array.isArray(x);

/** Fixes a schema and everything written inside it (not what its $refs point to: those are fixed where they live). */
export function fixTree(node: unknown, at: string, ctx: FixCtx, log: string[]): unknown {
  if (!isObj(node) || typeof node['$ref'] === 'string') return node;
  let out: Schema = node;
  const put = (k: string, v: unknown) => {
    if (out === node) out = { ...node };
    setOwn(out, k, v);
  };
  for (const k of CHILD_MAPS) {
    const m = node[k];
    if (!isObj(m)) continue;
    let copy: Schema | null = null;
    for (const [name, child] of Object.entries(m)) {
      const f = fixTree(child, join(at, k, name), ctx, log);
      if (f !== child) setOwn((copy ??= { ...m }), name, f);
    }
    if (copy) put(k, copy);
  }
  for (const k of CHILD_ONE) {
    const c = node[k];
    if (Array.isArray(c)) {
      const f = c.map((x, i) => fixTree(x, join(at, k, i), ctx, log));
      if (f.some((x, i) => x !== c[i])) put(k, f);
    } else if (isObj(c)) {
      const f = fixTree(c, join(at, k), ctx, log);
      if (f !== c) put(k, f);
    }
  }
  for (const k of CHILD_LISTS) {
    const c = node[k];
    if (!Array.isArray(c)) continue;
    const f = c.map((x, i) => fixTree(x, join(at, k, i), ctx, log));
    if (f.some((x, i) => x !== c[i])) put(k, f);
  }
  if (out['not'] !== undefined) {
    const { not: _dropped, ...rest } = out;
    out = rest;
    log.push(`${at}: removed not`);
  }
  out = fixType(out, at, log);
  out = fixNullable(out, at, ctx.version, log);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!Array.isArray(out[key])) continue;
    out = flatten(out, key, at, ctx, log);
    // The merged schema holds copies of the branches' properties: fix those too (they are new, inline nodes).
    out = fixTree(out, at, ctx, log) as Schema;
  }
  const t = out['type'];
  if ((t === 'array' || (Array.isArray(t) && t.includes('array'))) && out['items'] === undefined && out['prefixItems'] === undefined) {
    out = { ...out, items: { type: 'string' } };
    log.push(`${at}: added items {type: string}`);
  }
  return out;
}

function fixType(node: Schema, at: string, log: string[]): Schema {
  const t = node['type'];
  if (t === undefined) return node;
  const list = Array.isArray(t) ? t : [t];
  if (list.every((x) => typeof x === 'string' && JSON_SCHEMA_TYPES.has(x))) return node;
  const fixed: Schema = { ...node };
  delete fixed['type'];
  const mapped = list.map((x) => (typeof x === 'string' && JSON_SCHEMA_TYPES.has(x) ? { type: x } : TYPE_FIXES[String(x).toLowerCase()]));
  const valid = mapped.filter((m): m is Record<string, string> => !!m);
  if (valid.length === 1 || (valid.length && !Array.isArray(t))) Object.assign(fixed, valid[0], node['format'] ? { format: node['format'] } : {});
  else if (valid.length > 1) fixed['type'] = [...new Set(valid.map((m) => m['type']))];
  log.push(`${at}: type ${JSON.stringify(t)} → ${valid.length ? JSON.stringify(valid.length === 1 ? valid[0] : fixed['type']) : 'dropped'}`);
  return fixed;
}

/**
 * "May be null", written the way the document's version reads it: 3.1 `type: [T, "null"]` (3.1 ignores `nullable`),
 * 3.0 `nullable: true`, 2.0 `x-nullable: true` (2.0 has no keyword; the common extension). The meaning kept is the
 * author's: a value of type T, or null. In 3.1 an enum that lacks null gains it (otherwise the enum still refuses
 * null). Left as they are, and still reported: a 3.0/2.0 list of two or more real types (not expressible there), a
 * `null` type alone, and 3.0 `nullable: true` without a type (which type was meant is not written anywhere).
 */
function fixNullable(node: Schema, at: string, version: Version, log: string[]): Schema {
  const t = node['type'];
  if (version === '3.1') {
    if (node['nullable'] === undefined) return node;
    const { nullable, ...rest } = node;
    if (nullable === true) {
      if (typeof t === 'string' && t !== 'null') rest['type'] = [t, 'null'];
      else if (Array.isArray(t) && !t.includes('null')) rest['type'] = [...t, 'null'];
      if (Array.isArray(rest['enum']) && !rest['enum'].includes(null) && rest['type'] !== undefined) rest['enum'] = [...rest['enum'], null];
    }
    log.push(`${at}: nullable: ${JSON.stringify(nullable)} → ${rest['type'] !== undefined && nullable === true ? `type ${JSON.stringify(rest['type'])}` : 'removed (OpenAPI 3.1 ignores it)'}`);
    return rest;
  }
  if (!Array.isArray(t)) return node;
  const real = [...new Set(t.filter((x) => x !== 'null'))];
  if (real.length !== 1 || real.length === t.length) return node;
  const out: Schema = { ...node, type: real[0] };
  out[version === '3.0' ? 'nullable' : 'x-nullable'] = true;
  log.push(`${at}: type ${JSON.stringify(t)} → type ${JSON.stringify(real[0])}, ${version === '3.0' ? 'nullable' : 'x-nullable'}: true`);
  return out;
}

/** Why a "may be null" the check flagged cannot be rewritten in this version (fixNullable leaves it), or null. */
function nullableLeft(node: unknown, version: Version): string | null {
  if (!isObj(node)) return null;
  const t = node['type'];
  if (version !== '3.1' && Array.isArray(t) && t.filter((x) => x !== 'null').length > 1) return `OpenAPI ${version} has no way to say "${t.join(' or ')}" in one schema: say it in the description, or move to 3.1`;
  if (version !== '3.1' && t === 'null') return `OpenAPI ${version} has no null type: remove the property or give it a type with nullable: true`;
  if (version === '3.0' && t === undefined && node['nullable'] === true && !node['$ref'] && !node['allOf'] && !node['oneOf'] && !node['anyOf']) return 'nullable: true without a type: which type was meant is written nowhere; add it';
  return null;
}

/** A branch that only says "or null": `{type: 'null'}`, or (Microsoft Graph's form) `{type: object, nullable: true}` with nothing else. */
function isNullBranch(b: Schema): boolean {
  if (b['type'] === 'null') return true;
  if (Array.isArray(b['enum']) && b['enum'].length === 1 && b['enum'][0] === null) return true;
  const keys = Object.keys(b).filter((k) => !['description', 'title', 'type', 'nullable'].includes(k));
  return b['nullable'] === true && keys.length === 0 && (b['type'] === undefined || b['type'] === 'object');
}

function typeOf(b: Schema): string | undefined {
  const t = b['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (b['properties'] || b['additionalProperties'] !== undefined) return 'object';
  if (b['items']) return 'array';
  if (Array.isArray(b['enum']) && b['enum'].length) return typeof b['enum'][0] === 'number' ? 'number' : typeof b['enum'][0] === 'boolean' ? 'boolean' : 'string';
  return undefined;
}

/**
 * oneOf/anyOf → one schema. Only the branches of the type kept contribute keywords; enums are the union of the
 * branches' enums (a branch without enum leaves the value open); a keyword like pattern or format stays only if
 * every kept branch has the same; a default stays only if every branch has the same one; the branches dropped
 * are named in the description. A single $ref branch (plus "or null") becomes allOf: [{$ref}], so nothing is
 * copied and a self-referencing schema cannot grow.
 */
function flatten(h: Schema, key: 'oneOf' | 'anyOf', at: string, ctx: FixCtx, log: string[]): Schema {
  const raw = (h[key] as unknown[]).filter(isObj);
  const base: Schema = { ...h };
  delete base[key];
  delete base['discriminator'];
  const nullable = raw.some((b) => isNullBranch(resolveFully(b, ctx)));
  const rest = raw.filter((b) => !isNullBranch(resolveFully(b, ctx)));
  const describe = (extra: string) => (h['description'] ? `${String(h['description'])} ${extra}` : extra);

  if (rest.length === 1 && typeof rest[0]!['$ref'] === 'string') {
    const merged: Schema = { ...base, allOf: [...((base['allOf'] as unknown[]) ?? []), { $ref: rest[0]!['$ref'] }] };
    if (nullable) markNullable(merged, ctx.version, undefined);
    log.push(`${at}: ${key} of ${nameOf(String(rest[0]!['$ref']))}${nullable ? ' or null' : ''} → allOf [$ref]`);
    return merged;
  }
  const branches = rest.map((b) => expandAllOf(resolveFully(b, ctx), ctx, 0));
  const label = (b: Schema, r: Schema) => {
    if (r['title'] !== undefined) return String(r['title']);
    if (typeof b['$ref'] === 'string') return nameOf(b['$ref']);
    const t = typeOf(r);
    if (t) return t;
    // GitHub writes `oneOf: [{required: [id]}, {required: [owner, repo, number]}]` under an object's properties.
    return Array.isArray(r['required']) ? `with ${(r['required'] as string[]).join(', ')}` : 'any';
  };
  const kinds = rest.map((b, i) => label(b, branches[i]!));
  const types = branches.map(typeOf);
  const defined = [...new Set(types.filter((t): t is string => !!t))];
  // The holder's own type decides when it names one (or the branches name none).
  const own = typeOf(base);
  const chosen = own && (defined.includes(own) || !defined.length) ? own : defined.length <= 1 ? defined[0] : defined.includes('string') ? 'string' : defined[0];
  const kept = branches.filter((b, i) => types[i] === chosen || types[i] === undefined);
  const merged = mergeSchemas(base, kept, chosen, ctx);
  if (branches.length === 0) {
    // only null branches: keep the holder as it is, nullable
  }
  // The dropped branches are named, with the values they allowed, so the AI still knows them.
  const dropped = [...new Set(defined.filter((t) => t !== chosen))].map((t) => {
    const values = branches.filter((_, i) => types[i] === t).flatMap((b) => [b['enum'], isObj(b['items']) ? b['items']['enum'] : undefined]).filter(Array.isArray).flat();
    return values.length ? `${t} (values: ${[...new Set(values.map((v) => JSON.stringify(v)))].join(', ')})` : t;
  });
  merged['description'] = describe(`One of: ${[...new Set(kinds)].join(' | ')}${nullable ? ' | null' : ''}.${dropped.length ? ` (Sent as ${chosen}; ${dropped.join(', ')} not described here.)` : ''}`);
  if (nullable) markNullable(merged, ctx.version, chosen);
  log.push(`${at}: flattened ${key} (${kinds.join(' | ')}${nullable ? ' | null' : ''})${chosen ? ` into ${chosen}` : ''}`);
  return merged;
}

function markNullable(s: Schema, version: Version, type: string | undefined): void {
  if (version === '3.1') {
    if (type) s['type'] = [type, 'null'];
  } else if (version === '3.0') s['nullable'] = true;
}

/**
 * A branch written as `allOf: [{$ref: Base}, {properties: …}]` (GitHub's ruleset conditions) contributes the
 * properties of all its parts: they are gathered here, so the merge sees them. The branch itself is not changed.
 */
function expandAllOf(b: Schema, ctx: FixCtx, depth: number): Schema {
  if (!Array.isArray(b['allOf']) || depth > 4) return b;
  const out: Schema = { ...b };
  delete out['allOf'];
  const props: Schema = {};
  const req = new Set<string>();
  for (const part of [...(b['allOf'] as unknown[]).filter(isObj).map((x) => expandAllOf(resolveFully(x, ctx), ctx, depth + 1)), out]) {
    for (const [k, v] of Object.entries((part['properties'] as Schema) ?? {})) setOwn(props, k, v);
    for (const r of Array.isArray(part['required']) ? (part['required'] as string[]) : []) req.add(r);
    if (out['type'] === undefined && typeof part['type'] === 'string') out['type'] = part['type'];
  }
  if (Object.keys(props).length) out['properties'] = props;
  if (req.size) out['required'] = [...req];
  return out;
}

function resolveFully(b: Schema, ctx: FixCtx): Schema {
  let cur: unknown = b;
  for (let i = 0; i < 8 && isObj(cur) && typeof cur['$ref'] === 'string'; i++) cur = ctx.resolve(cur['$ref']);
  return isObj(cur) ? cur : {};
}

/** The base (holder without its oneOf) and the kept branches merged into one schema of type `type`. */
function mergeSchemas(base: Schema, kept: Schema[], type: string | undefined, ctx: FixCtx): Schema {
  const out: Schema = { ...base };
  if (type) out['type'] = ctx.version === '3.1' && Array.isArray(base['type']) ? base['type'] : type;
  // Keywords of another type (the holder's own, or a dropped branch's) do not survive.
  for (const k of ALL_TYPED) if (!(type && TYPE_KEYWORDS[type]?.includes(k)) && k in out) delete out[k];
  if (!kept.length) return out;
  if (type === 'object') {
    const props: Schema = { ...((base['properties'] as Schema) ?? {}) };
    const seenIn = new Map<string, unknown[]>();
    for (const b of kept) for (const [k, v] of Object.entries((b['properties'] as Schema) ?? {})) (seenIn.get(k) ?? seenIn.set(k, []).get(k)!).push(v);
    for (const [k, vs] of seenIn) {
      if (Object.hasOwn(props, k) && !vs.length) continue;
      const all = Object.hasOwn(props, k) ? [props[k], ...vs] : vs;
      setOwn(props, k, all.every((v) => isDeepStrictEqual(v, all[0])) ? all[0] : mergeProperty(all, ctx));
    }
    if (Object.keys(props).length) out['properties'] = props;
    // Required: what the holder required (as written: its names may be properties of its allOf, as ShipEngine's
    // rate_options is), plus what every branch requires of the merged properties. Never an empty list: OpenAPI 3.0
    // requires at least one name.
    const own = Array.isArray(base['required']) ? (base['required'] as string[]) : [];
    const req = new Set<string>(own);
    const every = kept.map((b) => new Set(Array.isArray(b['required']) ? (b['required'] as string[]) : []));
    for (const k of every[0] ?? []) if (every.every((s) => s.has(k)) && Object.hasOwn(props, k)) req.add(k);
    if (req.size) out['required'] = [...req];
    else delete out['required'];
    // A map's values (additionalProperties) merge as a property's do: the branches' schemas become one, so the values
    // each branch allowed stay allowed and described (Mist's port_config: switch ports or gateway ports by name). A
    // branch that leaves them open (absent or true) leaves the merge open; all `false`, it stays closed.
    if (!('additionalProperties' in base)) {
      const aps = kept.map((b) => b['additionalProperties']);
      delete out['additionalProperties'];
      if (aps.every(isObj)) out['additionalProperties'] = aps.every((x) => isDeepStrictEqual(x, aps[0])) ? aps[0] : mergeProperty(aps, ctx);
      else if (aps.every((x) => x === false)) out['additionalProperties'] = false;
    }
  } else if (type === 'array') {
    const items = kept.map((b) => b['items']).filter((x) => x !== undefined);
    if (items.length && items.length === kept.length) out['items'] = items.every((x) => isDeepStrictEqual(x, items[0])) ? items[0] : mergeProperty(items, ctx);
  }
  // Type-specific and shared keywords: kept only if every kept branch agrees, so no value a branch allowed is lost.
  const shared = [...(type ? TYPE_KEYWORDS[type] ?? [] : []), 'default'].filter((k) => !['properties', 'required', 'items', 'additionalProperties'].includes(k));
  for (const k of shared) {
    if (k in base && k !== 'default') continue;
    const vals = kept.map((b) => b[k]);
    if (vals.every((v) => v !== undefined && isDeepStrictEqual(v, vals[0]))) out[k] = vals[0];
    else if (k === 'default' && !('default' in base)) delete out[k];
  }
  if (kept.every((b) => Array.isArray(b['enum']))) {
    const union: unknown[] = [...((Array.isArray(base['enum']) ? base['enum'] : []) as unknown[])];
    for (const b of kept) for (const v of b['enum'] as unknown[]) if (!union.some((u) => isDeepStrictEqual(u, v))) union.push(v);
    out['enum'] = union;
  } else if (kept.some((b) => Array.isArray(b['enum']))) delete out['enum'];
  return out;
}

/** Two branches define the same property differently: the property becomes their merge. */
function mergeProperty(variants: unknown[], ctx: FixCtx): Schema {
  const holder: Schema = { oneOf: variants };
  return flatten(holder, 'oneOf', '#', ctx, []);
}
