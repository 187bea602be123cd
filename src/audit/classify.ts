import type { Report } from '../pipeline/report.js';
import type { Finding } from '../pipeline/finding.js';
import { BASELINE_LABEL } from '../pipeline/baseline.js';
import type { AuditStatus, AuditVerdict } from './schema.js';

/**
 * Causes that only say "this endpoint wants credentials". An audit calls every action without any (OpenCX's action
 * records carry no saved header values), so these describe the audit's own call, not the action: alone, they make the
 * action "needs credentials to check". Any other finding (a WAF page, an IP allowlist, a channel off, a bad TLS
 * certificate...) is evidence about the action itself and wins.
 */
export const CREDENTIAL_ONLY_CAUSES: ReadonlySet<string> = new Set([
  'auth-missing',
  'auth-rejected',
  // 403 with nothing saying who refused, or the API saying the caller lacks a permission: without a token, expected.
  'forbidden',
  'forbidden-permission',
  // The catch-alls under a 401/403 (only consulted when the baseline got one): they restate the status.
  'client-error',
  'call-failed',
]);


/** The status the endpoint gave the call made exactly as OpenCX makes it, if it answered. */
export function baselineStatus(report: Report): number | null {
  for (const p of report.probes) {
    const ex = p.exchanges.find((e) => e.label === BASELINE_LABEL && e.response);
    if (ex?.response) return ex.response.status;
  }
  return null;
}

/** One diagnosis report → the audit's word for that action. Pure, so the rule is tested on its own. */
export function classifyReport(report: Report): { status: AuditStatus; verdict: AuditVerdict } {
  const problems = report.findings.filter((f) => f.severity !== 'info');
  const status = baselineStatus(report);
  const refused = status === 401 || status === 403;
  const telling = refused ? problems.filter((f) => !CREDENTIAL_ONLY_CAUSES.has(f.id)) : problems;
  const top: Finding | undefined = telling[0];
  if (top) {
    return {
      status: 'broken',
      verdict: { family: top.family, cause: top.id, title: top.title, fix: top.fix, severity: top.severity === 'error' ? 'error' : 'warning' },
    };
  }
  if (refused) {
    return {
      status: 'needs-credentials',
      verdict: {
        family: null,
        cause: 'needs-credentials',
        title: `Needs credentials to check: the endpoint answers ${status} without them`,
        fix: 'OpenCX does not share saved header values, so the audit called without them. Diagnose this action with its Authorization header to check it fully.',
        severity: null,
      },
    };
  }
  if (report.verdict.family === null) {
    return { status: 'ok', verdict: { family: null, cause: 'none', title: report.verdict.title, fix: report.verdict.fix, severity: null } };
  }
  // A verdict with a family but no non-info finding cannot happen today; keep the verdict's own words if it ever does.
  return {
    status: 'broken',
    verdict: { family: report.verdict.family, cause: report.verdict.cause, title: report.verdict.title, fix: report.verdict.fix, severity: 'error' },
  };
}
