import { isSeq, type Document } from 'yaml';
import type { LoadedSpec } from './load.js';
import { parseSpecText } from './load.js';
import { checkSpec, type SpecReport } from './check.js';
import type { SpecIssue } from './issue.js';
import { get, nameOf, tokens } from './pointer.js';
import { TYPE_FIXES } from './rules/types.js';

type Edit = { pointer: string; value: unknown } | { pointer: string; delete: true };

const MAX_PASSES = 4;

/**
 * Rewrites only the offending nodes: oneOf/anyOf flattened into one object, circular $refs cut with a described
 * placeholder, non-JSON-Schema types mapped (or dropped), arrays given items, `not` removed. YAML keeps its comments
 * and layout outside the edited nodes. Repeats until nothing fixable is left (a flattened branch may hold another).
 */
export function fixSpec(spec: LoadedSpec): { text: string; applied: string[]; report: SpecReport } {
  let current = spec;
  const applied: string[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const report = checkSpec(current);
    const edits = report.issues.flatMap((i) => editFor(current.api, i, applied));
    if (!edits.length) return { text: current.text, applied, report };
    const text = apply(current, unique(edits));
    current = parseSpecText(current.origin, text);
  }
  return { text: current.text, applied, report: checkSpec(current) };
}

function unique(edits: Edit[]): Edit[] {
  const seen = new Set<string>();
  // Deepest first, so an edit never lands inside a node another edit already replaced.
  return edits
    .filter((e) => (seen.has(e.pointer) ? false : (seen.add(e.pointer), true)))
    .sort((a, b) => tokens(b.pointer).length - tokens(a.pointer).length)
    .filter((e, _, all) => !all.some((o) => o !== e && 'value' in o && e.pointer.startsWith(o.pointer + '/')));
}

function parent(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function editFor(api: Record<string, unknown>, issue: SpecIssue, log: string[]): Edit[] {
  const node = get(api, issue.pointer);
  switch (issue.cause.id) {
    case 'spec-oneof': {
      const holder = parent(issue.pointer);
      const h = get(api, holder) as Record<string, unknown>;
      const key = tokens(issue.pointer).at(-1)!;
      const branches = (h[key] as unknown[]).map((b) => resolve(api, b));
      const props: Record<string, unknown> = {};
      const kinds: string[] = [];
      for (const b of branches) {
        kinds.push(String(b['title'] ?? b['type'] ?? (b['$ref'] ? nameOf(String(b['$ref'])) : 'object')));
        for (const [k, v] of Object.entries((b['properties'] as object) ?? {})) props[k] ??= v;
      }
      const merged: Record<string, unknown> = { ...h };
      delete merged[key];
      const description = `${h['description'] ? `${String(h['description'])} ` : ''}One of: ${[...new Set(kinds)].join(' | ')}.`;
      if (Object.keys(props).length) Object.assign(merged, { type: 'object', description, properties: { ...((h['properties'] as object) ?? {}), ...props } });
      else Object.assign(merged, { type: primitiveOf(branches), description });
      log.push(`${issue.operation ?? ''} ${holder}: flattened ${key} (${kinds.join(' | ')})`.trim());
      return [{ pointer: holder, value: merged }];
    }
    case 'spec-circular-ref': {
      const target = String((node as Record<string, unknown>)?.['$ref'] ?? '');
      log.push(`${issue.pointer}: cut circular $ref to ${nameOf(target)}`);
      return [{ pointer: issue.pointer, value: { type: 'object', description: `A ${nameOf(target)} (nested ${nameOf(target)} objects are not described here: circular reference cut by action-debug).` } }];
    }
    case 'spec-invalid-type': {
      const holder = parent(issue.pointer);
      const h = get(api, holder) as Record<string, unknown>;
      const mapped = TYPE_FIXES[String(h['type']).toLowerCase()];
      const fixed: Record<string, unknown> = { ...h };
      delete fixed['type'];
      if (mapped) Object.assign(fixed, mapped);
      log.push(`${holder}: type ${String(h['type'])} → ${mapped ? JSON.stringify(mapped) : 'dropped'}`);
      return [{ pointer: holder, value: fixed }];
    }
    case 'spec-array-without-items':
      log.push(`${issue.pointer}: added items {type: string}`);
      return [{ pointer: `${issue.pointer}/items`, value: { type: 'string' } }];
    case 'spec-not':
      log.push(`${issue.pointer}: removed not`);
      return [{ pointer: issue.pointer, delete: true }];
    default:
      return [];
  }
}

function resolve(api: Record<string, unknown>, b: unknown): Record<string, unknown> {
  const node = (b ?? {}) as Record<string, unknown>;
  if (typeof node['$ref'] === 'string' && node['$ref'].startsWith('#')) return { ...((get(api, node['$ref']) as object) ?? {}), $ref: node['$ref'] };
  return node;
}

function primitiveOf(branches: Record<string, unknown>[]): string {
  const types = new Set(branches.map((b) => b['type']).filter((t): t is string => typeof t === 'string' && t !== 'null'));
  return types.size === 1 ? [...types][0]! : 'string';
}

function apply(spec: LoadedSpec, edits: Edit[]): string {
  if (spec.yamlDoc) {
    const doc = spec.yamlDoc.clone() as Document;
    for (const e of edits) {
      const path = yamlPath(doc, tokens(e.pointer));
      if ('delete' in e) doc.deleteIn(path);
      else doc.setIn(path, doc.createNode(e.value));
    }
    return doc.toString();
  }
  const api = structuredClone(spec.api);
  for (const e of edits) {
    const t = tokens(e.pointer);
    const last = t.pop()!;
    const holder = get(api, '#' + t.map((x) => '/' + x.replace(/~/g, '~0').replace(/\//g, '~1')).join('')) as Record<string, unknown>;
    if ('delete' in e) delete holder[last];
    else holder[last] = e.value;
  }
  return JSON.stringify(api, null, 2) + '\n';
}

/** JSON Pointer tokens → a YAML path: list indexes as numbers where the node is a sequence. */
function yamlPath(doc: Document, toks: string[]): (string | number)[] {
  const path: (string | number)[] = [];
  for (const t of toks) path.push(isSeq(doc.getIn(path, true)) && /^\d+$/.test(t) ? Number(t) : t);
  return path;
}
