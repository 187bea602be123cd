import type { Finding } from '../pipeline/finding.js';
import type { Report } from '../pipeline/report.js';

/**
 * What a support engineer reads first on a card, picked from a finished report (the renderers present; these pick
 * which of the report's facts lead). Pure functions over the report, so the card, the thread and the ticket agree.
 */

/** Response headers endpoints use to name one request in their own logs (Cloudflare, most frameworks, AWS). */
export const REQUEST_ID_HEADERS = ['cf-ray', 'x-request-id', 'x-amzn-requestid', 'x-amz-request-id', 'x-correlation-id', 'x-trace-id'] as const;

/** The endpoint's own id for the call made as OpenCX makes it, so its owner can find it in their logs. */
export function requestIdOf(report: Report): { header: string; value: string } | null {
  // The baseline first (the call exactly as OpenCX sends it), then any other call to the endpoint.
  const ordered = [...report.probes.filter((p) => p.id === 'request'), ...report.probes.filter((p) => p.id !== 'request')];
  for (const p of ordered) {
    for (const ex of p.exchanges) {
      const headers = ex.response?.headers ?? {};
      for (const h of REQUEST_ID_HEADERS) {
        const v = headers[h];
        if (v && v.length <= 200) return { header: h, value: v };
      }
    }
  }
  return null;
}

/**
 * The other findings worth a line on the card: the verdict's own family, or anything else that breaks the call
 * outright. While the endpoint itself fails (families 1–3), what OpenCX's AI makes of the action (family 4: its
 * description, channels, segments) cannot matter yet: those stay in the thread's details.
 */
export function alsoFoundOnCard(report: Report, others: Finding[]): Finding[] {
  const family = report.verdict.family;
  const liveFailure = family !== null && family <= 3;
  return others.filter((f) => f.id !== ENDPOINT_MISMATCH && (f.family === family || (f.severity === 'error' && !(liveFailure && f.family === 4))));
}

export const ENDPOINT_MISMATCH = 'opencx-endpoint-mismatch';

/** When the probed URL is not the action's saved one, the evidence lines that say both (said up front on the card). */
export function wrongUrl(report: Report): string[] | null {
  const f = report.findings.find((x) => x.id === ENDPOINT_MISMATCH);
  return f ? f.evidence : null;
}

/** The checklist folded to counts: "13 checks: 11 passed, 1 failed, 1 skipped". */
export function checkCounts(report: Report): string {
  const n = (s: string) => report.probes.filter((p) => p.status === s).length;
  const parts = [[n('passed'), 'passed'], [n('failed'), 'failed'], [n('error'), 'could not run'], [n('skipped'), 'skipped']] as const;
  return `${report.probes.length} checks: ${parts.filter(([c]) => c > 0).map(([c, w]) => `${c} ${w}`).join(', ')}`;
}
