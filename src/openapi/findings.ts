import { finding, type Finding } from '../pipeline/finding.js';
import type { SpecIssue } from './issue.js';
import type { SpecReport } from './check.js';
import { operationsByComponent } from './report-view.js';

const MAX_EVIDENCE = 8;

/**
 * One finding per cause, its evidence naming each operation (or shared component), pointer and rule (the first few,
 * then a count). A component's issue counts for every operation whose input reaches it.
 */
export function issuesToFindings(report: Pick<SpecReport, 'issues' | 'operations'>, source: string): Finding[] {
  const users = operationsByComponent(report as SpecReport);
  const byCause = new Map<string, SpecIssue[]>();
  for (const i of report.issues) (byCause.get(i.cause.id) ?? byCause.set(i.cause.id, []).get(i.cause.id)!).push(i);
  return [...byCause.values()].map((list) => {
    const cause = list[0]!.cause;
    const ops = new Set<string>();
    for (const i of list) {
      if (i.operation) ops.add(i.operation);
      if (i.component) for (const o of users.get(i.component) ?? []) ops.add(o);
    }
    const lines = list.slice(0, MAX_EVIDENCE).map((i) => {
      if (i.operation) return `${i.operation}: ${i.pointer}: ${i.message}`;
      const n = i.component ? (users.get(i.component)?.length ?? 0) : 0;
      return i.component ? `${i.pointer}: ${i.message} (shared: reached by ${n} operation${n === 1 ? '' : 's'})` : `${i.pointer}: ${i.message}`;
    });
    if (list.length > MAX_EVIDENCE) lines.push(`… and ${list.length - MAX_EVIDENCE} more (action-debug spec lists them all)`);
    const title = ops.size ? `${cause.title} (${ops.size} operation${ops.size > 1 ? 's' : ''})` : cause.title;
    return finding(cause, source, lines, { title });
  });
}
