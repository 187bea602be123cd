import { finding, type Finding } from '../pipeline/finding.js';
import type { SpecIssue } from './issue.js';

const MAX_EVIDENCE = 8;

/** One finding per cause, its evidence naming each operation, pointer and rule (the first few, then a count). */
export function issuesToFindings(issues: SpecIssue[], source: string): Finding[] {
  const byCause = new Map<string, SpecIssue[]>();
  for (const i of issues) byCause.set(i.cause.id, [...(byCause.get(i.cause.id) ?? []), i]);
  return [...byCause.values()].map((list) => {
    const cause = list[0]!.cause;
    const ops = new Set(list.map((i) => i.operation).filter(Boolean));
    const lines = list.slice(0, MAX_EVIDENCE).map((i) => `${i.operation ? `${i.operation}: ` : ''}${i.pointer}: ${i.message}`);
    if (list.length > MAX_EVIDENCE) lines.push(`… and ${list.length - MAX_EVIDENCE} more (action-debug spec lists them all)`);
    const title = ops.size ? `${cause.title} (${ops.size} operation${ops.size > 1 ? 's' : ''})` : cause.title;
    return finding(cause, source, lines, { title });
  });
}
