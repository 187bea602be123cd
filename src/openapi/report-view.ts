import type { SpecIssue } from './issue.js';
import type { SpecOperation, SpecReport } from './check.js';

/**
 * A report lists an issue found in a shared component once (`component` set, `operation` null); operations refer to
 * the components they reach (`reaches`). These views answer the per-operation questions from that, without copying
 * each issue for every operation (Microsoft Graph would need 92,000 copies).
 */

/** The issues found in each shared component. */
export function issuesByComponent(report: SpecReport): Map<string, SpecIssue[]> {
  const out = new Map<string, SpecIssue[]>();
  for (const i of report.issues) if (i.component) (out.get(i.component) ?? out.set(i.component, []).get(i.component)!).push(i);
  return out;
}

/** The operations (labels) whose input reaches each shared component with issues. */
export function operationsByComponent(report: SpecReport): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of report.operations) for (const c of o.reaches ?? []) (out.get(c) ?? out.set(c, []).get(c)!).push(o.label);
  return out;
}

/** Everything that stops one operation: its own issues, then those of the shared components its input reaches. */
export function issuesOf(report: SpecReport, op: SpecOperation, byComponent = issuesByComponent(report)): SpecIssue[] {
  return [...report.issues.filter((i) => i.operation === op.label), ...(op.reaches ?? []).flatMap((c) => byComponent.get(c) ?? [])];
}

/**
 * The per-operation view: every issue as the operations see it (a component's issue once for each operation that
 * reaches it, with `operation` set), plus the document's own. For small specs and tests; big specs should not expand.
 */
export function perOperation(report: SpecReport): SpecIssue[] {
  const byComponent = issuesByComponent(report);
  const out: SpecIssue[] = report.issues.filter((i) => !i.component);
  for (const o of report.operations) for (const c of o.reaches ?? []) for (const i of byComponent.get(c) ?? []) out.push({ ...i, operation: o.label });
  return out;
}

/** `label|cause` for every (operation, cause) pair the report holds, and `(document)|cause` for the document's own. */
export function operationCauses(report: SpecReport, severity?: 'error' | 'warning'): Set<string> {
  const byComponent = issuesByComponent(report);
  const out = new Set<string>();
  const keep = (i: SpecIssue) => !severity || i.cause.severity === severity;
  for (const i of report.issues) if (!i.component && keep(i)) out.add(`${i.operation ?? '(document)'}|${i.cause.id}`);
  for (const o of report.operations) for (const c of o.reaches ?? []) for (const i of byComponent.get(c) ?? []) if (keep(i)) out.add(`${o.label}|${i.cause.id}`);
  return out;
}
