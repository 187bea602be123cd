import type { NodeContext, SchemaRule, SpecIssue } from './issue.js';
import { join, refToPointer } from './pointer.js';

export interface RefEdge {
  /** Where the $ref is written. */
  at: string;
  /** The target, percent-decoded when local (refToPointer). */
  ref: string;
}

const CHILD_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];
const CHILD_ONE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const CHILD_LISTS = ['allOf', 'oneOf', 'anyOf', 'prefixItems'];

/**
 * Visits one schema and everything written inside it, without following $ref: refs are reported as edges, so each
 * referenced component is analysed once and shared by every operation that reaches it.
 */
export function walkSchema(
  node: unknown,
  ctx: NodeContext,
  rules: SchemaRule[],
  issues: Omit<SpecIssue, 'operation'>[],
  edges: RefEdge[],
): void {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return;
  const n = node as Record<string, unknown>;
  if (typeof n['$ref'] === 'string') {
    edges.push({ at: ctx.pointer, ref: refToPointer(n['$ref']) });
    return;
  }
  for (const r of rules) issues.push(...r.check(n, ctx));
  const deeper = (pointer: string): NodeContext => ({ ...ctx, pointer, depth: ctx.depth === null ? null : ctx.depth + 1 });
  for (const k of CHILD_MAPS) {
    const m = n[k];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const [name, child] of Object.entries(m)) walkSchema(child, deeper(join(ctx.pointer, k, name)), rules, issues, edges);
  }
  for (const k of CHILD_ONE) if (n[k] && typeof n[k] === 'object') {
    if (Array.isArray(n[k])) (n[k] as unknown[]).forEach((c, i) => walkSchema(c, deeper(join(ctx.pointer, k, i)), rules, issues, edges));
    else walkSchema(n[k], deeper(join(ctx.pointer, k)), rules, issues, edges);
  }
  for (const k of CHILD_LISTS) if (Array.isArray(n[k])) (n[k] as unknown[]).forEach((c, i) => walkSchema(c, deeper(join(ctx.pointer, k, i)), rules, issues, edges));
}
