import type { Report } from '../pipeline/report.js';
import { isProblem, isProblemFinding } from '../pipeline/verdict.js';

/** What changed between two diagnoses of the same action, in sentences (for re-runs in a thread). */
export function reportChanges(prev: Report, next: Report): string[] {
  const out: string[] = [];
  if (prev.verdict.cause !== next.verdict.cause) {
    out.push(
      !isProblem(next.verdict)
        ? `fixed: "${prev.verdict.title}" is gone and no problem is left`
        : !isProblem(prev.verdict)
          ? `broken: now "${next.verdict.title}" (was fine)`
          : `the most likely cause changed from "${prev.verdict.title}" to "${next.verdict.title}"`,
    );
  }
  const before = new Set(prev.findings.filter(isProblemFinding).map((f) => f.id));
  const after = new Set(next.findings.filter(isProblemFinding).map((f) => f.id));
  for (const id of after) if (!before.has(id) && id !== next.verdict.cause) out.push(`new: ${id}`);
  for (const id of before) if (!after.has(id) && id !== prev.verdict.cause) out.push(`gone: ${id}`);
  const p = Object.fromEntries(prev.probes.map((x) => [x.id, x.status]));
  for (const x of next.probes) if (p[x.id] && p[x.id] !== x.status) out.push(`${x.title}: ${p[x.id]} → ${x.status}`);
  return out;
}
