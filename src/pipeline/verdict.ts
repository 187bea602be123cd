import { FAMILIES, isProblemFinding, type Cause, type Finding } from './finding.js';
import type { Exchange } from '../net/record.js';
import type { FollowUp, Verdict } from './report.js';
import { baselineUsable, callFailedFinding } from './baseline.js';

export { isProblemFinding };

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** The probe whose findings are about a spec document rather than about the live endpoint. */
const SPEC_SOURCE = 'spec-import';

/**
 * Most likely first: errors before warnings; then what the live endpoint did before what a spec document says (a spec
 * shared to check the import adds its findings, but the endpoint failing now stays the headline); then the more
 * specific cause (higher rank).
 */
export function rankFindings(findings: Finding[], causeRank: (id: string) => number): Finding[] {
  const fromSpec = (f: Finding) => (f.source === SPEC_SOURCE ? 1 : 0);
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] ||
        fromSpec(a.f) - fromSpec(b.f) ||
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

/** The one "is this a problem" every face asks (card, text, ticket, support card, history, diff). */
export function isProblem(v: { family: number | null }): boolean {
  return v.family !== null;
}

/** The one headline every face shows, so the card, the terminal and the ticket never word it differently. */
export function headline(v: Pick<Verdict, 'family' | 'familyTitle' | 'title'>): string {
  return isProblem(v) ? `Family ${v.family}: ${v.title}` : NO_PROBLEM_TITLE;
}

export const NO_PROBLEM_TITLE = 'No problem found with the endpoint';

/**
 * The verdict in one line for tickets, support cards and history: "family 2: <title> `<cause>`", or the no-problem
 * wording. `esc` escapes the title for the markup it goes into (the title can quote the endpoint).
 */
export function verdictLine(v: { family: number | null; title: string; cause: string }, esc: (s: string) => string = (s) => s): string {
  return isProblem(v) ? `family ${v.family}: ${esc(v.title)} \`${v.cause}\`` : NO_PROBLEM_TITLE.toLowerCase();
}

/** The evidence of the most likely cause; reports stored before the verdict carried it fall back to the top finding. */
export function topEvidence(r: { verdict: Verdict; findings: Finding[] }): string[] {
  if (!isProblem(r.verdict)) return [];
  return r.verdict.evidence.length ? r.verdict.evidence : (r.findings.find((f) => f.id === r.verdict.cause)?.evidence ?? []);
}

/** The verdict in a few words (re-run lists, history): the cause id, or "no problem found". */
export function verdictWord(v: { family: number | null; cause: string }): string {
  return isProblem(v) ? v.cause : 'no problem found';
}

/** The findings that are problems, most likely first (the report's findings are already ranked). */
export function problemFindings(findings: Finding[]): Finding[] {
  return findings.filter(isProblemFinding);
}

/**
 * The guarantee, in one place (as Lighthouse's runner fails every audit when the page did not load): when the call as
 * OpenCX sends it did not get a usable 2xx, the findings always hold an error that names it. Catch-alls give way to
 * any specific error; when nothing explained the failure, the baseline's own outcome becomes the cause.
 */
export function settleFindings(findings: Finding[], baseline: Exchange | null, causeOf: (id: string) => Cause | undefined): Finding[] {
  const specificError = findings.some((f) => f.severity === 'error' && !causeOf(f.id)?.catchAll);
  const kept = specificError ? findings.filter((f) => !causeOf(f.id)?.catchAll) : findings;
  if (baseline && !baselineUsable(baseline)) {
    // A complete 2xx that is not usable (a web page) needs a problem named; any other outcome needs an error.
    const s = baseline.response?.status ?? 0;
    const answered = !baseline.error && s >= 200 && s < 300;
    const named = kept.some((f) => (answered ? isProblemFinding(f) : f.severity === 'error'));
    if (!named) kept.push(callFailedFinding(baseline));
  }
  return kept;
}

export interface VerdictContext {
  /** Probes and checks that could not run, with why. */
  notChecked: string[];
  causeOf: (id: string) => Cause | undefined;
  /** Button labels of the probes that may be re-run alone. */
  recheckLabels: ReadonlyMap<string, string>;
  /** Follow-ups that fit whatever was found (e.g. re-checking the spec that was given). */
  always?: string[];
}

/** Maps ranked (and settled) findings to one of the five families, or to "no problem found" with what is left. */
export function decideVerdict(ranked: Finding[], ctx: VerdictContext): Verdict {
  const problems = problemFindings(ranked);
  const top = problems[0];
  const followUps = followUpsOf(problems, ctx);
  if (!top) {
    const left = ctx.notChecked.length ? `Not checked here: ${ctx.notChecked.join('; ')}.` : 'Every check ran.';
    return {
      family: null,
      familyTitle: null,
      cause: 'none',
      title: NO_PROBLEM_TITLE,
      fix: 'The endpoint answers OpenCX the way it should.',
      alsoFound: [],
      next:
        `${left} If the AI still does not call the action, look at family 4 (channel toggle, segment, description); ` +
        'if it does and the call still fails, escalate (family 5) with the session ID and action name.',
      evidence: [],
      followUps,
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
    evidence: [...top.evidence],
    followUps,
  };
}

/**
 * The verdict an earlier report would have had if only the given sources had run (one probe re-run alone, plus the
 * baseline and the checks over it): what a follow-up is compared with. Decided here, not rebuilt by a face.
 */
export function scopedVerdict(report: { findings: Finding[] }, keep: (f: Finding) => boolean): Verdict {
  return decideVerdict(report.findings.filter(keep), { notChecked: [], causeOf: () => undefined, recheckLabels: new Map() });
}

function followUpsOf(problems: Finding[], ctx: VerdictContext): FollowUp[] {
  const ids: string[] = [];
  for (const f of problems) for (const p of ctx.causeOf(f.id)?.followUps ?? []) if (!ids.includes(p)) ids.push(p);
  for (const p of ctx.always ?? []) if (!ids.includes(p)) ids.push(p);
  return ids.flatMap((probe) => {
    const label = ctx.recheckLabels.get(probe);
    return label ? [{ probe, label }] : [];
  });
}
