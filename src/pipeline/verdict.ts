import { FAMILIES, type Cause, type Finding } from './finding.js';
import type { Verdict } from './report.js';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Most likely first: errors before warnings, then the more specific cause (higher rank). */
export function rankFindings(findings: Finding[], causeRank: (id: string) => number): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] ||
        causeRank(b.f.id) - causeRank(a.f.id) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}

export function rankOf(causes: Iterable<Cause>): (id: string) => number {
  const m = new Map<string, number>();
  for (const c of causes) m.set(c.id, c.rank ?? 50);
  return (id) => m.get(id) ?? 50;
}

/** Maps ranked findings to one of the five families, or to "no problem found" with what is left. */
export function decideVerdict(ranked: Finding[], notChecked: string[]): Verdict {
  const problems = ranked.filter((f) => f.severity !== 'info');
  const top = problems[0];
  if (!top) {
    const left = notChecked.length
      ? `Not checked here: ${notChecked.join('; ')}.`
      : 'Every check ran.';
    return {
      family: null,
      familyTitle: null,
      cause: 'none',
      title: 'No problem found with the endpoint',
      fix: 'The endpoint answers OpenCX the way it should.',
      alsoFound: [],
      next:
        `${left} If the AI still does not call the action, look at family 4 (channel toggle, segment, description); ` +
        'if it does and the call still fails, escalate (family 5) with the session ID and action name.',
    };
  }
  const seen = new Set<string>([top.id]);
  const alsoFound: string[] = [];
  for (const f of problems.slice(1)) {
    if (!seen.has(f.id)) {
      seen.add(f.id);
      alsoFound.push(f.id);
    }
  }
  return {
    family: top.family,
    familyTitle: FAMILIES[top.family],
    cause: top.id,
    title: top.title,
    fix: top.fix,
    alsoFound,
    next: null,
  };
}
