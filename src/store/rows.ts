import type { Report } from '../pipeline/report.js';
import type { Ticket } from '../pipeline/ticket.js';
import { TicketSchema } from '../pipeline/ticket.js';
import { isProblem } from '../pipeline/verdict.js';
import type { DiagnosisRow, HistoryEntry, WatchRow, WorkRow } from './store.js';

/**
 * A work row holds its card: running under a live lease and started (by beginCardRun or confirmCardRun; a first diagnosis
 * holds its card from the start). Named parameter `now` (SQLite `@now`; PostgreSQL text-replaced).
 */
export const HOLDS = `state = 'running' AND lease_until > @now AND (kind = 'diagnose' OR started_at IS NOT NULL)`;

/** Row mapping shared by both engines (column names are the same in SQLite and PostgreSQL). */
export function toDiagnosisRow(r: Record<string, unknown>): DiagnosisRow {
  return {
    id: String(r['id']), cardId: (r['card_id'] as string) ?? null, createdAt: String(r['created_at']), requester: String(r['requester']),
    workspace: (r['workspace'] as string) ?? null, channel: (r['channel'] as string) ?? null, threadTs: (r['thread_ts'] as string) ?? null,
    kind: r['kind'] as DiagnosisRow['kind'], report: JSON.parse(String(r['report_json'])) as Report,
    ...(r['input_json'] ? { input: JSON.parse(String(r['input_json'])) as unknown } : {}),
  };
}

export function toTicket(r: Record<string, unknown>): Ticket {
  return TicketSchema.parse(JSON.parse(String(r['payload_json'])));
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function toWorkRow(r: Record<string, unknown>): WorkRow {
  return {
    id: String(r['id']), kind: String(r['kind']), state: r['state'] as WorkRow['state'], dedupeKey: (r['dedupe_key'] as string) ?? null,
    cardId: (r['card_id'] as string) ?? null, cardTs: (r['card_ts'] as string) ?? null, workspace: (r['workspace'] as string) ?? null,
    channel: (r['channel'] as string) ?? null, requester: String(r['requester']), payload: JSON.parse(String(r['payload_json'])) as unknown,
    dueAt: Number(r['due_at']), step: (r['step'] as string) ?? null, claimedBy: (r['claimed_by'] as string) ?? null, leaseUntil: num(r['lease_until']),
    attempts: Number(r['attempts']), outcome: (r['outcome'] as string) ?? null, createdAt: new Date(Number(r['created_at'])).toISOString(),
  };
}

export function historyFrom(newestFirst: { created_at: string; requester: string; family: number | null; cause: string; report_json: string }[], limit: number): HistoryEntry[] {
  const rows = [...newestFirst].reverse();
  const out: HistoryEntry[] = rows.map((r, i) => {
    const prev = rows[i - 1];
    const title = (JSON.parse(r.report_json) as Report).verdict.title;
    const change = !prev || prev.cause === r.cause ? null : !isProblem(r) ? 'fixed' : !isProblem(prev) ? 'broken' : 'changed';
    return { at: r.created_at, requester: r.requester, family: r.family, cause: r.cause, title, change };
  });
  return out.slice(rows.length > limit ? 1 : 0).reverse();
}

export function toWatchRow(r: Record<string, unknown>): WatchRow {
  return {
    id: Number(r['id']), workspace: String(r['workspace']), channel: String(r['channel']), createdBy: String(r['created_by']), target: String(r['target']),
    everyMs: Number(r['every_ms']), nextDueAt: Number(r['next_due_at']), state: JSON.parse(String(r['state_json'])), createdAt: String(r['created_at']),
  };
}
