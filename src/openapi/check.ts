import type { Cause } from '../pipeline/finding.js';
import { defineCause } from '../pipeline/finding.js';
import type { LoadedSpec } from './load.js';
import type { SchemaRule, SpecIssue } from './issue.js';
import { hasVerb } from './verbs.js';
import { get, join, nameOf, refToPointer } from './pointer.js';
import { isSendableBody } from './media-type.js';
import { walkSchema, type RefEdge } from './walk.js';
import { editsKeepStructure, structureCause, structureOf } from './structure.js';
import { compositionRule, causes as compositionCauses } from './rules/composition.js';
import { typesRule, causes as typeCauses } from './rules/types.js';
import { causes as refCauses } from './rules/refs.js';
import { causes as opencxCauses } from './rules/opencx.js';
import { profileRules, profileOperationIssues, PROFILES, causes as profileCauses, type Profile, type OperationInput } from './rules/profiles.js';

export { structureCause };
export const parseCause = defineCause({
  id: 'spec-unparseable', family: 1, severity: 'error', rank: 95,
  title: 'The spec cannot be parsed',
  meaning: 'Not valid JSON/YAML, or not an OpenAPI document: the import fails with failed_to_parse_spec.',
  fix: 'Fix the syntax error at the line and column shown, and check the file extension matches its content.',
});

/** Every cause the spec check can report (for the catalogue). */
export const specCauses: Cause[] = [parseCause, structureCause, ...Object.values(compositionCauses), ...Object.values(typeCauses), ...Object.values(refCauses), ...Object.values(opencxCauses), ...Object.values(profileCauses)];

export const OPENCX_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const ALL_METHODS = [...OPENCX_METHODS, 'head', 'options', 'trace'];
/** Whether a description has a verb (verbs.ts); `.test` as the regular expression it replaces was called. */
export const VERBS = { test: hasVerb };

export interface SpecOperation {
  method: string;
  path: string;
  operationId: string | null;
  name: string;
  pointer: string;
  label: string;
  /** The shared components with issues that this operation's input reaches through $ref (their issues are listed once). */
  reaches: string[];
}

export interface SpecReport {
  origin: string;
  version: '2.0' | '3.0' | '3.1';
  operations: SpecOperation[];
  issues: SpecIssue[];
}

/** What one check learned of its document that a check of an edited copy reuses (fix.ts re-checks its output). */
export interface CheckMemo {
  /** Per `$ref` target reached from an input: whether it exists, its own issues, and its `$ref` edges. */
  components: Map<string, ComponentResult>;
  /** Per operation pointer: the `$ref` edges written in its input (where its walk through components starts). */
  roots: Map<string, RefEdge[]>;
  /** Per operation pointer (checks without a profile): what it added to the report, in order, and what it read. */
  operations: Map<string, OperationResult>;
  /** The document passed the structural validation's fast pass. */
  valid: boolean;
  /** The profile the check ran with and the document's version: a component's issues depend on both. */
  profile: Profile | null;
  version: '2.0' | '3.0' | '3.1' | null;
}
interface ComponentResult { exists: boolean; found: Omit<SpecIssue, 'operation'>[]; edges: RefEdge[] }
/**
 * One operation's part of a check, replayed when nothing it read changed: `trace` is its issues and the components
 * its walk visited (a string: the component's issues are listed where it is first visited), in the order they came;
 * `reads` the places outside the components it read (itself, its path's parameters, the $refs its inputs follow).
 */
interface OperationResult { reads: string[]; trace: (SpecIssue | string)[]; reaches: string[] }

export const newCheckMemo = (): CheckMemo => ({ components: new Map(), roots: new Map(), operations: new Map(), valid: false, profile: null, version: null });

export interface CheckOptions {
  profile?: Profile;
  /** Filled by this check, for a later check of an edited copy. */
  memo?: CheckMemo;
  /**
   * This document is `previous` with the nodes at `changed` rewritten or added and nothing else (fix.ts splices only
   * those into the text). A component none of them touches has the same subtree as before, and the rules read only
   * the node they are given, so its result is `memo`'s; the structure is proved from the changed nodes alone
   * (structure.ts). The report is the one a check from scratch gives (test/openapi/check-memo.test.ts, fix.test.ts).
   */
  edited?: { previous: Record<string, unknown>; memo: CheckMemo; changed: string[] };
}

export function checkSpec(spec: LoadedSpec, opts: CheckOptions = {}): SpecReport {
  const api = spec.api;
  const version = api['swagger'] ? '2.0' : String(api['openapi']).startsWith('3.1') ? '3.1' : '3.0';
  const issues: SpecIssue[] = [];
  const rules: SchemaRule[] = [compositionRule, typesRule, ...(opts.profile ? [profileRules[opts.profile]] : [])];
  issues.push(...serverIssues(api, version));

  // Each referenced component is walked once; its issues are listed once (with the component named) and every
  // operation that reaches it refers to it (`reaches`), so a component shared by 5,000 operations (Microsoft Graph's
  // entities) costs one list entry per operation, not a copy of each of its issues.
  const components = opts.memo?.components ?? new Map<string, ComponentResult>();
  if (opts.memo) {
    opts.memo.profile = opts.profile ?? null;
    opts.memo.version = version;
  }
  const edited = opts.edited && opts.edited.memo.profile === (opts.profile ?? null) && opts.edited.memo.version === version ? opts.edited : undefined;
  const untouched = edited ? untouchedBy(edited.changed) : null;
  // The components of the last check that an edit touched, found once: operations ask about each of theirs (Microsoft
  // Graph: ~85,000 visits to ~1,300 components).
  const touched = new Set<string>();
  if (edited) for (const ref of edited.memo.components.keys()) if (!untouched!(ref)) touched.add(ref);
  // A profile's operation rules read the tool as a whole (toolInput): such a check neither records nor replays operations.
  const tracing = !!opts.memo && !opts.profile;
  const component = (ref: string) => {
    let c = components.get(ref);
    if (!c) {
      c = edited && !touched.has(ref) ? edited.memo.components.get(ref) : undefined;
      if (!c) {
        const node = get(api, ref);
        const found: Omit<SpecIssue, 'operation'>[] = [];
        const edges: RefEdge[] = [];
        walkSchema(node, { pointer: ref, version, depth: null }, rules, found, edges);
        c = { exists: node !== undefined, found: dedupeLocal(found), edges };
      }
      for (const x of c.found) issues.push({ ...x, operation: null, component: ref });
      components.set(ref, c);
    }
    return c;
  };

  const operations: SpecOperation[] = [];
  const names = new Map<string, SpecOperation[]>();
  const paths = (api['paths'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, item] of Object.entries(paths)) {
    if (!item || typeof item !== 'object') continue;
    // The path escaped once (a path is full of `/`): Microsoft Graph has 11,000 operations.
    const itemPointer = join('#/paths', path);
    for (const method of ALL_METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op || typeof op !== 'object') continue;
      const pointer = `${itemPointer}/${method}`;
      const operationId = typeof op['operationId'] === 'string' ? op['operationId'] : null;
      const name = operationId ?? (typeof op['summary'] === 'string' ? op['summary'] : `${method} ${path}`);
      const label = `${method.toUpperCase()} ${path}${operationId ? ` (${operationId})` : ''}`;
      const o: SpecOperation = { method, path, operationId, name, pointer, label, reaches: [] };
      operations.push(o);
      const trace: (SpecIssue | string)[] | null = tracing ? [] : null;
      const add = (x: Omit<SpecIssue, 'operation'>) => {
        const i = { ...x, operation: label };
        issues.push(i);
        trace?.push(i);
      };
      if (!OPENCX_METHODS.includes(method)) {
        add({ cause: opencxCauses.method, pointer, message: `${method.toUpperCase()} is not called by OpenCX` });
        continue;
      }
      if (operationId) (names.get(operationId) ?? names.set(operationId, []).get(operationId)!).push(o);
      // An operation of an edited copy whose reads and components are all untouched adds what it added before.
      const prior = edited?.memo.operations.get(pointer);
      if (prior && prior.reads.every(untouched!) && prior.trace.every((x) => typeof x !== 'string' || !touched.has(x))) {
        // The issue objects and the reaches list are shared with the earlier report: reports are never changed.
        for (const x of prior.trace) {
          if (typeof x === 'string') component(x);
          else issues.push(x);
        }
        o.reaches = prior.reaches;
        // Its input's edges are the last check's too (recorded for every operation, profile or not).
        opts.memo?.roots.set(pointer, edited!.memo.roots.get(pointer)!);
        opts.memo?.operations.set(pointer, prior);
        continue;
      }
      if (name.trim().length < 5) add({ cause: opencxCauses.shortName, pointer, message: `name "${name}" has ${name.trim().length} characters` });
      const description = String(op['description'] ?? op['summary'] ?? '').trim();
      if (description.length < 20 || !VERBS.test(description)) {
        add({ cause: opencxCauses.vague, pointer: join(pointer, op['description'] ? 'description' : 'summary'), message: description ? `"${description.slice(0, 80)}"${description.length < 20 ? ` (${description.length} characters)` : ' (no verb)'}` : 'no description or summary' });
      }
      const local: Omit<SpecIssue, 'operation'>[] = [];
      const edges: RefEdge[] = [];
      const reads = [pointer, `${itemPointer}/parameters`, '#/consumes'];
      inputs(api, version, path, item, op, pointer, rules, local, edges, reads);
      opts.memo?.roots.set(pointer, edges);
      for (const x of local) add(x);
      // Everything the input reaches through $ref: each component's issues once, then cycles.
      const seen = new Set<string>();
      const stack = [...edges];
      const reached: string[] = [];
      while (stack.length) {
        const e = stack.pop()!;
        if (!e.ref.startsWith('#')) {
          add({ cause: refCauses.external, pointer: e.at, message: `$ref "${e.ref}" is not followed` });
          continue;
        }
        if (seen.has(e.ref)) continue;
        seen.add(e.ref);
        trace?.push(e.ref);
        const c = component(e.ref);
        if (!c.exists) {
          add({ cause: refCauses.unresolved, pointer: e.at, message: `$ref "${e.ref}" does not exist` });
          continue;
        }
        reached.push(e.ref);
        if (c.found.length) o.reaches.push(e.ref);
        for (const x of c.edges) stack.push(x);
      }
      if (opts.profile) for (const x of profileOperationIssues(opts.profile, api, toolInput(api, version, path, item, op, pointer, name, description))) add(x);
      const cycle = findCycle(reached, (ref) => component(ref).edges);
      if (cycle) add({ cause: refCauses.circular, pointer: cycle.closingAt, message: `cycle ${cycle.names.join(' → ')}` });
      if (trace) opts.memo!.operations.set(pointer, { reads, trace, reaches: o.reaches });
    }
  }
  for (const o of operations) o.reaches.sort();
  for (const [id, ops] of names) {
    if (ops.length > 1) for (const o of ops) issues.push({ cause: opencxCauses.duplicateName, pointer: o.pointer, operation: o.label, message: `operationId "${id}" is used ${ops.length} times` });
  }
  // The structural validation runs last: it makes the most short-lived garbage (Ajv), and the walk's own working
  // data is garbage by then, so the two peaks do not add up (Microsoft Graph v1: ~70 MB less peak RSS).
  if (!opts.memo) components.clear();
  let structure: SpecIssue | null = null;
  if (edited?.memo.valid && editsKeepStructure(edited.previous, api, version, edited.changed)) {
    if (opts.memo) opts.memo.valid = true;
  } else {
    const s = structureOf(api);
    structure = s.issue;
    if (opts.memo) opts.memo.valid = s.quick;
  }
  return { origin: spec.origin, version, operations, issues: dedupe(structure ? [structure, ...issues] : issues) };
}

/** Whether a pointer is clear of every changed one (neither at or under one, nor above one). */
function untouchedBy(changed: string[]): (pointer: string) => boolean {
  const at = new Set(changed);
  // Every pointer a changed one is under: asking "is something below this changed?" is then one lookup. The root is
  // above every change (a `$ref: "#"` reaches the whole document).
  const above = new Set<string>(changed.length ? ['#'] : []);
  let shortest = Infinity;
  for (const c of changed) {
    shortest = Math.min(shortest, c.length);
    for (let p = c.slice(0, c.lastIndexOf('/')); p.length > 1 && !above.has(p); p = p.slice(0, p.lastIndexOf('/'))) above.add(p);
  }
  // Asked ~100,000 times (each component once per operation that reaches it, each operation's reads): no prefix
  // shorter than the shortest changed pointer can be one, so most answers take two lookups and no slicing.
  return (pointer) => {
    if (at.has(pointer) || above.has(pointer)) return false;
    // An external ref names no place in this document.
    if (!pointer.startsWith('#')) return true;
    for (let p = pointer, i = p.lastIndexOf('/'); i >= shortest; i = p.lastIndexOf('/')) {
      p = p.slice(0, i);
      if (at.has(p)) return false;
    }
    return true;
  };
}

function dedupeLocal<T extends Omit<SpecIssue, 'operation'>>(issues: T[]): T[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.cause.id}|${i.pointer}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.operation}|${i.component}|${i.cause.id}|${i.pointer}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function serverIssues(api: Record<string, unknown>, version: string): SpecIssue[] {
  if (version === '2.0') {
    const schemes = (api['schemes'] as string[] | undefined) ?? [];
    if (!api['host']) return [{ cause: opencxCauses.noServer, pointer: '#/host', operation: null, message: 'no host' }];
    if (schemes.length && !schemes.includes('https')) return [{ cause: opencxCauses.httpServer, pointer: '#/schemes', operation: null, message: `schemes: ${schemes.join(', ')}` }];
    return [];
  }
  const url = (api['servers'] as { url?: string }[] | undefined)?.[0]?.url;
  if (!url || !/^[a-z]+:\/\//i.test(url)) return [{ cause: opencxCauses.noServer, pointer: '#/servers', operation: null, message: url ? `servers[0].url "${url}" is relative` : 'no servers' }];
  if (/^http:\/\//i.test(url)) return [{ cause: opencxCauses.httpServer, pointer: '#/servers/0/url', operation: null, message: url }];
  return [];
}

/** Where an operation's input lives: what OpenCX turns into the tool schema. `rules` empty gives the $ref edges only. */
export function inputs(
  api: Record<string, unknown>,
  version: '2.0' | '3.0' | '3.1',
  path: string,
  item: Record<string, unknown>,
  op: Record<string, unknown>,
  pointer: string,
  rules: SchemaRule[],
  issues: Omit<SpecIssue, 'operation'>[],
  edges: RefEdge[],
  /** Where the `$ref`s of parameters and bodies led (what the result depends on besides the operation itself). */
  followed?: string[],
): void {
  const params = [
    // The path item's pointer is the operation's without its method (escaping the path again costs two regex passes).
    ...((item['parameters'] as unknown[]) ?? []).map((p, i) => ({ p, at: `${pointer.slice(0, pointer.lastIndexOf('/'))}/parameters/${i}` })),
    ...((op['parameters'] as unknown[]) ?? []).map((p, i) => ({ p, at: join(pointer, 'parameters', i) })),
  ];
  // Swagger 2.0: a body or form parameter is sent as the operation's `consumes` says (else the document's).
  const consumes = version === '2.0' ? ((Array.isArray(op['consumes']) ? op['consumes'] : Array.isArray(api['consumes']) ? api['consumes'] : []) as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const consumesAt = Array.isArray(op['consumes']) ? join(pointer, 'consumes') : '#/consumes';
  const unsendable2 = consumes.length > 0 && !consumes.some(isSendableBody);
  let flagged2 = false;
  for (const { p, at } of params) {
    // Not an object (`parameters: [null]`): the structural validation says so; nothing to walk here.
    if (!p || typeof p !== 'object') continue;
    let param = p as Record<string, unknown>;
    let where = at;
    if (typeof param?.['$ref'] === 'string') {
      // A ref may lead to another ref (DigitalOcean points at another operation's `$ref` parameter): follow a few.
      let ref = refToPointer(param['$ref'] as string);
      let target: unknown = ref.startsWith('#') ? get(api, ref) : undefined;
      followed?.push(ref);
      for (let hop = 0; hop < 8 && target && typeof (target as Record<string, unknown>)['$ref'] === 'string'; hop++) {
        ref = refToPointer((target as Record<string, unknown>)['$ref'] as string);
        target = ref.startsWith('#') ? get(api, ref) : undefined;
        followed?.push(ref);
      }
      if (!target || typeof target !== 'object') {
        issues.push({ cause: ref.startsWith('#') ? refCauses.unresolved : refCauses.external, pointer: at, message: `$ref "${ref}"` });
        continue;
      }
      param = target as Record<string, unknown>;
      where = ref;
    }
    if (param['in'] === 'cookie') issues.push({ cause: opencxCauses.cookie, pointer: where, message: `cookie parameter "${String(param['name'])}"` });
    if (version === '2.0') {
      if ((param['in'] === 'body' || param['in'] === 'formData') && unsendable2) {
        if (!flagged2) issues.push({ cause: opencxCauses.body, pointer: consumesAt, message: `body types: ${consumes.join(', ')}` });
        flagged2 = true;
        continue;
      }
      if (param['in'] === 'formData' && param['type'] === 'file') {
        issues.push({ cause: opencxCauses.formDataFile, pointer: where, message: `formData file "${String(param['name'])}"` });
        continue;
      }
      walkSchema(param['in'] === 'body' ? param['schema'] : param, { pointer: param['in'] === 'body' ? join(where, 'schema') : where, version, depth: 0 }, rules, issues, edges);
    } else if (param['schema']) {
      walkSchema(param['schema'], { pointer: join(where, 'schema'), version, depth: 1 }, rules, issues, edges);
    } else if (param['content'] && typeof param['content'] === 'object') {
      for (const [type, media] of Object.entries(param['content'] as Record<string, { schema?: unknown }>)) {
        if (isSendableBody(type)) walkSchema(media?.schema, { pointer: join(where, 'content', type, 'schema'), version, depth: 1 }, rules, issues, edges);
      }
    }
  }
  let body = op['requestBody'] as Record<string, unknown> | undefined;
  let bodyAt = join(pointer, 'requestBody');
  if (body && typeof body['$ref'] === 'string') {
    let ref = refToPointer(body['$ref'] as string);
    body = ref.startsWith('#') ? (get(api, ref) as Record<string, unknown> | undefined) : undefined;
    followed?.push(ref);
    for (let hop = 0; hop < 8 && body && typeof body['$ref'] === 'string'; hop++) {
      ref = refToPointer(body['$ref'] as string);
      body = ref.startsWith('#') ? (get(api, ref) as Record<string, unknown> | undefined) : undefined;
      followed?.push(ref);
    }
    bodyAt = ref;
    if (!body) issues.push({ cause: ref.startsWith('#') ? refCauses.unresolved : refCauses.external, pointer: join(pointer, 'requestBody'), message: `$ref "${ref}"` });
  }
  const content = (body?.['content'] ?? {}) as Record<string, { schema?: unknown }>;
  const types = Object.keys(content);
  if (types.length && !types.some(isSendableBody)) {
    issues.push({ cause: opencxCauses.body, pointer: join(bodyAt, 'content'), message: `body types: ${types.join(', ')}` });
  }
  for (const [type, media] of Object.entries(content)) {
    if (!isSendableBody(type)) continue;
    walkSchema(media?.schema, { pointer: join(bodyAt, 'content', type, 'schema'), version, depth: 0 }, rules, issues, edges);
  }
}

/** What a provider profile needs to know about an operation's tool: name, description, parameters, body root. */
function toolInput(api: Record<string, unknown>, version: '2.0' | '3.0' | '3.1', path: string, item: Record<string, unknown>, op: Record<string, unknown>, pointer: string, name: string, description: string): OperationInput {
  const follow = (node: unknown, at: string): { node: Record<string, unknown> | null; at: string } => {
    let cur = node as Record<string, unknown> | undefined;
    let where = at;
    for (let hop = 0; hop < 8 && cur && typeof cur['$ref'] === 'string'; hop++) {
      where = refToPointer(cur['$ref'] as string);
      cur = where.startsWith('#') ? (get(api, where) as Record<string, unknown> | undefined) : undefined;
    }
    return { node: cur && typeof cur === 'object' ? cur : null, at: where };
  };
  const params: OperationInput['params'] = [];
  const roots: unknown[] = [];
  let body: OperationInput['body'] = null;
  const list = [...((item['parameters'] as unknown[]) ?? []).map((p, i) => ({ p, at: join('#/paths', path, 'parameters', i) })), ...((op['parameters'] as unknown[]) ?? []).map((p, i) => ({ p, at: join(pointer, 'parameters', i) }))];
  for (const { p, at } of list) {
    const r = follow(p, at);
    if (!r.node) continue;
    if (r.node['in'] === 'body') {
      const b = follow(r.node['schema'], join(r.at, 'schema'));
      if (b.node) body = { schema: b.node, at: b.at };
      roots.push(r.node['schema']);
      continue;
    }
    params.push({ name: String(r.node['name']), required: r.node['required'] === true, at: r.at });
    roots.push(version === '2.0' ? r.node : r.node['schema']);
  }
  const rb = follow(op['requestBody'], join(pointer, 'requestBody'));
  const content = (rb.node?.['content'] ?? {}) as Record<string, { schema?: unknown }>;
  for (const [type, media] of Object.entries(content)) {
    if (!isSendableBody(type) || !media?.schema) continue;
    const b = follow(media.schema, join(rb.at, 'content', type, 'schema'));
    if (b.node && !body) body = { schema: b.node, at: b.at };
    roots.push(media.schema);
  }
  return { name, description, pointer, version, body, params, roots };
}

/** A cycle among the reached components, as names, with the $ref that closes it (where --fix cuts). */
function findCycle(starts: string[], edgesOf: (ref: string) => RefEdge[]): { names: string[]; closingAt: string } | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let found: { names: string[]; closingAt: string } | null = null;
  const visit = (ref: string): void => {
    if (found) return;
    state.set(ref, 1);
    stack.push(ref);
    for (const e of edgesOf(ref)) {
      if (!e.ref.startsWith('#')) continue;
      const s = state.get(e.ref);
      if (s === 1) {
        const from = stack.indexOf(e.ref);
        found = { names: [...stack.slice(from), e.ref].map(nameOf), closingAt: e.at };
        return;
      }
      if (!s) visit(e.ref);
      if (found) return;
    }
    stack.pop();
    state.set(ref, 2);
  };
  for (const s of starts) if (!state.has(s)) visit(s);
  return found;
}

export { PROFILES, type Profile };
