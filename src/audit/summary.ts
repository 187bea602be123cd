import type { AuditAction, AuditSummary, BrokenLine } from './schema.js';

const SEVERITY = { error: 0, warning: 1 } as const;

/**
 * The numbers every face shows (card, CLI text, JSON), computed once here so no renderer counts anything.
 * `total` is the number of actions listed; results may be fewer while the audit runs.
 */
export function summarize(
  results: readonly AuditAction[],
  meta: { total: number; startedAt: string; durationMs: number; complete: boolean; timedOut: boolean; unreadable?: number },
): AuditSummary {
  const byFamily: AuditSummary['byFamily'] = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  const brokenActions: BrokenLine[] = [];
  let ok = 0;
  let needsCredentials = 0;
  let notChecked = 0;
  for (const r of results) {
    if (r.status === 'ok') ok++;
    else if (r.status === 'needs-credentials') needsCredentials++;
    else if (r.status === 'not-checked') notChecked++;
    else if (r.verdict.family !== null) {
      byFamily[String(r.verdict.family) as keyof typeof byFamily]++;
      brokenActions.push({ id: r.id, name: r.name, family: r.verdict.family, cause: r.verdict.cause, title: r.verdict.title, fix: r.verdict.fix, severity: r.verdict.severity ?? 'error' });
    }
  }
  brokenActions.sort((a, b) => SEVERITY[a.severity] - SEVERITY[b.severity] || a.family - b.family || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  // Actions the audit never reached (time limit) are "not checked" too, so the numbers always add up to the total.
  const unreached = meta.complete ? Math.max(0, meta.total - results.length) : 0;
  return {
    total: meta.total,
    done: results.length,
    ok,
    broken: brokenActions.length,
    needsCredentials,
    notChecked: notChecked + unreached,
    byFamily,
    brokenActions,
    complete: meta.complete,
    timedOut: meta.timedOut,
    unreadableRecords: meta.unreadable ?? 0,
    startedAt: meta.startedAt,
    durationMs: meta.durationMs,
  };
}
