import { FAMILIES, type Family } from '../pipeline/finding.js';
import type { AuditAction, AuditSummary } from '../audit/schema.js';

const MARK: Record<AuditAction['status'], string> = { ok: '✓', broken: '✗', 'needs-credentials': '?', 'not-checked': '–' };

/** One progress line per audited action, for stderr. */
export function auditProgressLine(a: AuditAction, summary: AuditSummary): string {
  return `  ${MARK[a.status]} [${summary.done}/${summary.total}] ${a.name}: ${a.status === 'ok' ? 'no problem found' : a.verdict.title} (${a.durationMs} ms)`;
}

/** The audit for a terminal: the counts, then one line per broken action with its cause and fix. Presents; decides nothing. */
export function renderAuditText(actions: AuditAction[], s: AuditSummary): string {
  const out: string[] = [];
  out.push(`action-debug audit · ${s.total} actions · ${s.broken} broken · ${s.needsCredentials} need credentials to check · ${s.ok} OK${s.notChecked ? ` · ${s.notChecked} not checked` : ''} · ${(s.durationMs / 1000).toFixed(1)} s`);
  if (s.timedOut) out.push('  The audit reached its time limit: the actions it did not reach are "not checked".');
  const families = Object.entries(s.byFamily).filter(([, n]) => n > 0);
  if (families.length) {
    out.push('');
    for (const [f, n] of families) out.push(`  Family ${f} (${FAMILIES[Number(f) as Family]}): ${n}`);
  }
  if (s.brokenActions.length) {
    out.push('');
    out.push('Broken:');
    for (const b of s.brokenActions) {
      out.push(`${b.severity === 'error' ? '✗' : '!'} ${b.name} · family ${b.family} · ${b.title} [${b.cause}]`);
      out.push(`    Fix: ${b.fix}`);
    }
  }
  const creds = actions.filter((a) => a.status === 'needs-credentials');
  if (creds.length) {
    out.push('');
    out.push(`Need credentials to check (OpenCX does not share saved header values; diagnose each with its header): ${creds.map((a) => a.name).join(', ')}`);
  }
  const unchecked = actions.filter((a) => a.status === 'not-checked');
  if (unchecked.length) {
    out.push('');
    out.push(`Not checked: ${unchecked.map((a) => `${a.name} (${a.verdict.title.replace(/^Not checked: /, '')})`).join('; ')}`);
  }
  return out.join('\n') + '\n';
}
