import type { Report } from '../pipeline/report.js';
import type { Ticket, TicketDraft } from '../pipeline/ticket.js';
import { TicketSchema } from '../pipeline/ticket.js';
import { isProblem } from '../pipeline/verdict.js';
import { explainSqliteError, openDb, type Db } from './db.js';

export interface DiagnosisRow {
  id: string;
  cardId: string | null;
  createdAt: string;
  requester: string;
  workspace: string | null;
  channel: string | null;
  threadTs: string | null;
  kind: 'first' | 'rerun' | 'follow-up' | 'cli';
  report: Report;
  /** The card's input without header values (ReplayInput), so the card can be re-run after a restart. */
  input?: unknown;
}

export interface HistoryEntry {
  at: string;
  requester: string;
  family: number | null;
  cause: string;
  title: string;
  /** Set on the entry where the verdict changed from the one before it. */
  change: 'broken' | 'fixed' | 'changed' | null;
}

export interface OutboxMessage {
  kind: string;
  dedupeKey: string;
  payload: unknown;
}

export interface OutboxRow {
  id: number;
  kind: string;
  dedupeKey: string;
  payload: unknown;
  attempts: number;
}

/**
 * Everything action-debug keeps: diagnoses (already redacted reports), tickets, the outbox of messages still to send,
 * and Slack installations. One SQLite file; every write is one transaction.
 */
export class Store {
  readonly db: Db;
  readonly #q;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.db = openDb(path, opts);
    const db = this.db;
    this.#q = {
      insertDiagnosis: db.prepare(`INSERT INTO diagnoses (id, card_id, created_at, requester, workspace, channel, thread_ts, kind, action, session, endpoint, method, family, cause, duration_ms, findings_json, report_json, input_json)
        VALUES (@id, @cardId, @createdAt, @requester, @workspace, @channel, @threadTs, @kind, @action, @session, @endpoint, @method, @family, @cause, @durationMs, @findings, @report, @input)`),
      diagnosis: db.prepare('SELECT * FROM diagnoses WHERE id = ?'),
      cardDiagnoses: db.prepare('SELECT * FROM diagnoses WHERE card_id = ? ORDER BY created_at, rowid'),
      history: db.prepare(`SELECT created_at, requester, family, cause, report_json FROM diagnoses WHERE lower(action) = lower(?) AND kind != 'follow-up' AND (@team IS NULL OR workspace = @team OR workspace LIKE '%/' || @team) ORDER BY created_at DESC, rowid DESC LIMIT ?`),
      ticketByKey: db.prepare('SELECT * FROM tickets WHERE idempotency_key = ?'),
      cardAt: db.prepare('SELECT card_id FROM diagnoses WHERE channel = ? AND thread_ts = ? AND card_id IS NOT NULL LIMIT 1'),
      ticket: db.prepare('SELECT * FROM tickets WHERE number = ?'),
      insertTicket: db.prepare(`INSERT INTO tickets (idempotency_key, diagnosis_id, created_at, created_by, status, payload_json) VALUES (?, ?, ?, ?, 'open', ?)`),
      setTicketPayload: db.prepare('UPDATE tickets SET payload_json = ? WHERE number = ?'),
      resolve: db.prepare(`UPDATE tickets SET status = 'resolved', resolved_by = ?, resolved_at = ?, payload_json = ? WHERE number = ? AND status = 'open'`),
      enqueue: db.prepare('INSERT OR IGNORE INTO outbox (kind, dedupe_key, payload_json, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
      due: db.prepare('SELECT id, kind, dedupe_key, payload_json, attempts FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?'),
      lease: db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL AND next_attempt_at <= ?'),
      sent: db.prepare('UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id = ?'),
      failed: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      pending: db.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL'),
      purge: db.prepare(`DELETE FROM diagnoses WHERE created_at < ? AND id NOT IN (SELECT diagnosis_id FROM tickets)`),
      putInstallation: db.prepare('INSERT INTO installations (id, updated_at, sealed) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, sealed = excluded.sealed'),
      getInstallation: db.prepare('SELECT sealed FROM installations WHERE id = ?'),
      deleteInstallation: db.prepare('DELETE FROM installations WHERE id = ?'),
      scheduleRerun: db.prepare(`INSERT INTO scheduled_reruns (card_id, due_at, requested_by, label, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(card_id) DO UPDATE SET due_at = excluded.due_at, requested_by = excluded.requested_by, label = excluded.label`),
      pendingReruns: db.prepare('SELECT card_id, due_at, label, requested_by FROM scheduled_reruns ORDER BY due_at'),
      takeRerun: db.prepare('DELETE FROM scheduled_reruns WHERE card_id = ?'),
    };
  }

  close(): void {
    this.db.close();
  }

  saveDiagnosis(row: DiagnosisRow): void {
    const r = row.report;
    try {
      this.#q.insertDiagnosis.run({
        id: row.id, cardId: row.cardId, createdAt: row.createdAt, requester: row.requester, workspace: row.workspace, channel: row.channel, threadTs: row.threadTs, kind: row.kind,
        action: r.input.action, session: r.input.session,
        // The column predates endpoint-less diagnoses (NOT NULL); '' marks one, and report_json keeps the null.
        endpoint: r.input.endpoint ?? '', method: r.input.method, family: r.verdict.family, cause: r.verdict.cause,
        durationMs: Math.round(r.durationMs), findings: JSON.stringify(r.findings), report: JSON.stringify(r), input: row.input === undefined ? null : JSON.stringify(row.input),
      });
    } catch (err) {
      throw explainSqliteError(err, 'Saving the diagnosis');
    }
  }

  diagnosis(id: string): DiagnosisRow | null {
    const r = this.#q.diagnosis.get(id) as Record<string, unknown> | undefined;
    return r ? toDiagnosisRow(r) : null;
  }

  /** The card whose message is at channel/ts (its thread), if any diagnosis of it was stored. */
  cardIdAt(channel: string, ts: string): string | null {
    return ((this.#q.cardAt.get(channel, ts) as { card_id: string } | undefined)?.card_id) ?? null;
  }

  ticketForKey(key: string): Ticket | null {
    const r = this.#q.ticketByKey.get(key) as Record<string, unknown> | undefined;
    return r ? toTicket(r) : null;
  }

  cardDiagnoses(cardId: string): DiagnosisRow[] {
    return (this.#q.cardDiagnoses.all(cardId) as Record<string, unknown>[]).map(toDiagnosisRow);
  }

  /** The last diagnoses of an action, newest first, marking where the verdict changed (broken since / fixed since). */
  history(action: string, limit = 10, team: string | null = null): HistoryEntry[] {
    // `team`: a workspace's diagnoses only (T…, also under an org-wide install's E…/T… key); null for the operator's tools.
    const rows = (this.#q.history.all({ team }, action, limit + 1) as { created_at: string; requester: string; family: number | null; cause: string; report_json: string }[]).reverse();
    const out: HistoryEntry[] = rows.map((r, i) => {
      const prev = rows[i - 1];
      const title = (JSON.parse(r.report_json) as Report).verdict.title;
      const change = !prev || prev.cause === r.cause ? null : !isProblem(r) ? 'fixed' : !isProblem(prev) ? 'broken' : 'changed';
      return { at: r.created_at, requester: r.requester, family: r.family, cause: r.cause, title, change };
    });
    return out.slice(rows.length > limit ? 1 : 0).reverse();
  }

  /**
   * Exactly once: the ticket and the messages announcing it are committed together; the same idempotency key (a double
   * click, a retried interaction, two people) returns the ticket already made. Nothing is sent from here.
   */
  createTicket(key: string, draft: TicketDraft, announce: (t: Ticket) => OutboxMessage[]): { ticket: Ticket; created: boolean } {
    try {
      return this.db.transaction(() => {
        const existing = this.ticketForKey(key);
        if (existing) return { ticket: existing, created: false };
        const createdAt = new Date().toISOString();
        const info = this.#q.insertTicket.run(key, draft.diagnosisId, createdAt, draft.createdBy, '{}');
        const ticket = TicketSchema.parse({ ...draft, number: Number(info.lastInsertRowid), status: 'open', createdAt, resolvedBy: null, resolvedAt: null });
        this.#q.setTicketPayload.run(JSON.stringify(ticket), ticket.number);
        for (const m of announce(ticket)) this.enqueue(m);
        return { ticket, created: true };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Saving the ticket');
    }
  }

  ticket(number: number): Ticket | null {
    const r = this.#q.ticket.get(number) as Record<string, unknown> | undefined;
    return r ? toTicket(r) : null;
  }

  resolveTicket(number: number, by: string, announce: (t: Ticket) => OutboxMessage[]): { ticket: Ticket; changed: boolean } | null {
    return this.db.transaction(() => {
      const t = this.ticket(number);
      if (!t) return null;
      if (t.status === 'resolved') return { ticket: t, changed: false };
      const resolved: Ticket = { ...t, status: 'resolved', resolvedBy: by, resolvedAt: new Date().toISOString() };
      this.#q.resolve.run(by, resolved.resolvedAt, JSON.stringify(resolved), number);
      for (const m of announce(resolved)) this.enqueue(m);
      return { ticket: resolved, changed: true };
    }).immediate();
  }

  enqueue(m: OutboxMessage, now = Date.now()): void {
    this.#q.enqueue.run(m.kind, m.dedupeKey, JSON.stringify(m.payload), new Date(now).toISOString(), now);
  }

  /** Takes due messages and leases them for `leaseMs`, so a second worker does not send them at the same time. */
  claimDue(now: number, limit: number, leaseMs: number): OutboxRow[] {
    return this.db.transaction(() => {
      const rows = this.#q.due.all(now, limit) as { id: number; kind: string; dedupe_key: string; payload_json: string; attempts: number }[];
      return rows
        .filter((r) => this.#q.lease.run(now + leaseMs, r.id, now).changes === 1)
        .map((r) => ({ id: r.id, kind: r.kind, dedupeKey: r.dedupe_key, payload: JSON.parse(r.payload_json), attempts: r.attempts }));
    }).immediate();
  }

  markSent(id: number): void {
    this.#q.sent.run(new Date().toISOString(), id);
  }

  markFailed(id: number, retryAt: number, error: string): void {
    this.#q.failed.run(retryAt, error.slice(0, 500), id);
  }

  pendingCount(): number {
    return (this.#q.pending.get() as { n: number }).n;
  }

  /** Retention: diagnoses older than `days` go; those a ticket refers to stay with it. */
  purgeOlderThan(days: number, now = Date.now()): number {
    return this.#q.purge.run(new Date(now - days * 86_400_000).toISOString()).changes;
  }

  putSealedInstallation(id: string, sealed: string): void {
    this.#q.putInstallation.run(id, new Date().toISOString(), sealed);
  }
  getSealedInstallation(id: string): string | null {
    return (this.#q.getInstallation.get(id) as { sealed: string } | undefined)?.sealed ?? null;
  }
  /** A later re-run of a card; a second request for the same card moves it. */
  scheduleRerun(cardId: string, dueAt: number, by: string, label: string): void {
    this.#q.scheduleRerun.run(cardId, dueAt, by, label, new Date().toISOString());
  }

  pendingReruns(): { cardId: string; dueAt: number; label: string; by: string }[] {
    return (this.#q.pendingReruns.all() as { card_id: string; due_at: number; label: string; requested_by: string }[]).map((r) => ({ cardId: r.card_id, dueAt: r.due_at, label: r.label, by: r.requested_by }));
  }

  /** Claims a due re-run: true for exactly one caller, even with several processes on one database. */
  takeRerun(cardId: string): boolean {
    return this.#q.takeRerun.run(cardId).changes === 1;
  }

  deleteInstallation(id: string): void {
    this.#q.deleteInstallation.run(id);
  }
}

function toDiagnosisRow(r: Record<string, unknown>): DiagnosisRow {
  return {
    id: String(r['id']), cardId: (r['card_id'] as string) ?? null, createdAt: String(r['created_at']), requester: String(r['requester']),
    workspace: (r['workspace'] as string) ?? null, channel: (r['channel'] as string) ?? null, threadTs: (r['thread_ts'] as string) ?? null,
    kind: r['kind'] as DiagnosisRow['kind'], report: JSON.parse(String(r['report_json'])) as Report,
    ...(r['input_json'] ? { input: JSON.parse(String(r['input_json'])) as unknown } : {}),
  };
}

function toTicket(r: Record<string, unknown>): Ticket {
  return TicketSchema.parse(JSON.parse(String(r['payload_json'])));
}
