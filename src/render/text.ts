import type { Finding } from '../pipeline/finding.js';
import { isProblem, topEvidence } from '../pipeline/verdict.js';
import type { ProbeResult, Report } from '../pipeline/report.js';

const MARK: Record<ProbeResult['status'], string> = { passed: '✓', failed: '✗', skipped: '–', error: '!' };
const SEV: Record<Finding['severity'], string> = { error: '✗', warning: '!', info: 'i' };

/** One progress line per finished probe, for stderr while a diagnosis runs. */
export function progressLine(p: ProbeResult): string {
  return `  ${MARK[p.status]} ${p.title} (${p.durationMs} ms)${p.status === 'passed' ? '' : `: ${p.summary}`}`;
}

/** The verdict for a terminal: what failed, why, what to do. Presents the report; decides nothing. */
export function renderText(report: Report, opts: { details?: boolean } = {}): string {
  const { input, verdict } = report;
  const out: string[] = [];
  const who = [input.action ? `action "${input.action}"` : null, input.session ? `session ${input.session}` : null].filter(Boolean).join(' · ');
  out.push(`action-debug · ${input.endpoint ? `${input.method} ${input.endpoint}` : 'no endpoint known'}${who ? ` · ${who}` : ''}`);
  out.push('');
  if (!isProblem(verdict)) {
    out.push(`✓ ${verdict.title}`);
    out.push(`  ${verdict.fix}`);
    if (verdict.next) out.push(`  Next: ${verdict.next}`);
  } else {
    out.push(`✗ Family ${verdict.family}: ${verdict.familyTitle}`);
    out.push(`  Cause: ${verdict.title} [${verdict.cause}]`);
    out.push('  Evidence:');
    for (const e of topEvidence(report)) out.push(`    - ${e}`);
    out.push(`  Fix: ${verdict.fix}`);
  }
  const rest = report.findings.filter((f) => !(isProblem(verdict) && f.id === verdict.cause));
  if (rest.length) {
    out.push('');
    out.push('Also found:');
    for (const f of rest) {
      out.push(`  ${SEV[f.severity]} ${f.title} [${f.id}, family ${f.family}]`);
      if (opts.details) for (const e of f.evidence) out.push(`      - ${e}`);
      out.push(`      Fix: ${f.fix}`);
    }
  }
  out.push('');
  out.push(`Checked (${(report.durationMs / 1000).toFixed(1)} s): ${report.probes.map((p) => `${MARK[p.status]} ${p.title}`).join(' · ')}`);
  const notRun = report.probes.filter((p) => p.status === 'skipped' || p.status === 'error');
  for (const p of notRun) out.push(`  ${MARK[p.status]} ${p.title}: ${p.summary}`);
  if (opts.details) {
    out.push('');
    out.push('Details:');
    for (const p of report.probes) out.push(...renderProbeDetails(p).map((l) => `  ${l}`));
  }
  return out.join('\n') + '\n';
}

/** A probe's evidence as lines: facts, then each request sent and what came back. Shared by the CLI and Slack threads. */
export function renderProbeDetails(p: ProbeResult): string[] {
  const lines = [`${MARK[p.status]} ${p.title} (${p.durationMs} ms): ${p.summary}`];
  for (const [k, v] of Object.entries(p.facts)) if (v !== null && v !== '') lines.push(`    ${k}: ${v}`);
  for (const ex of p.exchanges) {
    const t = ex.timings;
    const result = ex.response
      ? `${ex.response.status} ${ex.response.contentType ?? ''} ${ex.response.bodyBytes} B${ex.response.bodyTruncated ? ' (truncated)' : ''}`
      : `${ex.error?.kind}: ${ex.error?.message}`;
    lines.push(`    → ${ex.label}: ${ex.request.method} ${ex.request.url} → ${result.trim()} in ${Math.round(t.totalMs)} ms`);
    const sent = Object.entries(ex.request.headers).map(([k, v]) => `${k}: ${v}`).join('; ');
    if (sent) lines.push(`      sent ${sent}`);
  }
  return lines;
}
