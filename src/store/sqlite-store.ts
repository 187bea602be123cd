import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Report } from '../pipeline/report.js';
import type { Ticket, TicketDraft } from '../pipeline/ticket.js';
import { TicketSchema } from '../pipeline/ticket.js';
import { explainSqliteError, openDb, type Db } from './db.js';
import { CARD_RUN_KINDS, prepareResolution } from './store.js';
import type { Claim, DiagnosisRow, HistoryEntry, NewWork, OutboxMessage, OutboxRow, Store, WorkRow } from './store.js';
import { SqliteWatchStore } from './sqlite-watches.js';
import { GroupCommit } from './group-commit.js';
import { HOLDS, historyFrom, toDiagnosisRow, toTicket, toWorkRow } from './rows.js';

/**
 * The embedded engine: one SQLite file (WAL, synchronous=NORMAL: a commit survives the process being killed). The calls
 * are synchronous underneath; the interface is asynchronous so PostgreSQL can implement the same one.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: Db;
  readonly watches: SqliteWatchStore;
  readonly #q;
  readonly #group: GroupCommit;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.db = openDb(path, opts);
    const db = this.db;
    // On this connection, so a watch run and its outbox rows share one transaction.
    this.watches = new SqliteWatchStore(db);
    this.#group = new GroupCommit(db);
    this.#q = {
      insertDiagnosis: db.prepare(`INSERT INTO diagnoses (id, card_id, created_at, requester, workspace, channel, thread_ts, kind, action, session, endpoint, method, family, cause, duration_ms, findings_json, report_json, input_json)
        VALUES (@id, @cardId, @createdAt, @requester, @workspace, @channel, @threadTs, @kind, @action, @session, @endpoint, @method, @family, @cause, @durationMs, @findings, @report, @input)
        ON CONFLICT(id) DO NOTHING`),
      diagnosis: db.prepare('SELECT * FROM diagnoses WHERE id = ?'),
      holder: db.prepare(`SELECT * FROM work WHERE holds = ? AND id != ? AND state = 'running' AND lease_until > ? ORDER BY created_at, id LIMIT 1`),
      setHold: db.prepare('UPDATE work SET holds = ? WHERE id = ?'),
      cardDiagnoses: db.prepare('SELECT * FROM diagnoses WHERE card_id = ? ORDER BY created_at, rowid'),
      history: db.prepare(`SELECT created_at, requester, family, cause, report_json FROM diagnoses WHERE lower(action) = lower(?) AND kind != 'follow-up' AND (@team IS NULL OR workspace = @team OR workspace LIKE '%/' || @team) ORDER BY created_at DESC, rowid DESC LIMIT ?`),
      ticketByKey: db.prepare('SELECT * FROM tickets WHERE idempotency_key = ?'),
      cardAt: db.prepare(`SELECT card_id FROM diagnoses WHERE channel = ? AND thread_ts = ? AND card_id IS NOT NULL
        UNION ALL SELECT card_id FROM work WHERE channel = ? AND card_ts = ? AND card_id IS NOT NULL LIMIT 1`),
      ticket: db.prepare('SELECT * FROM tickets WHERE number = ?'),
      insertTicket: db.prepare(`INSERT INTO tickets (idempotency_key, diagnosis_id, created_at, created_by, status, payload_json) VALUES (?, ?, ?, ?, 'open', ?)`),
      setTicketPayload: db.prepare('UPDATE tickets SET payload_json = ? WHERE number = ?'),
      resolve: db.prepare(`UPDATE tickets SET status = 'resolved', resolved_by = ?, resolved_at = ?, payload_json = ? WHERE number = ? AND status = 'open'`),
      enqueue: db.prepare('INSERT OR IGNORE INTO outbox (kind, dedupe_key, payload_json, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
      due: db.prepare('SELECT id, kind, dedupe_key, payload_json, attempts FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?'),
      lease: db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL AND next_attempt_at <= ?'),
      sent: db.prepare('UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id = ?'),
      dead: db.prepare('UPDATE outbox SET attempts = attempts + 1, dead_at = ?, last_error = ? WHERE id = ?'),
      failed: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      pending: db.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL'),
      purge: db.prepare(`DELETE FROM diagnoses WHERE created_at < ? AND id NOT IN (SELECT diagnosis_id FROM tickets)`),
      purgeWork: db.prepare(`DELETE FROM work WHERE state = 'done' AND updated_at < ?`),
      purgeUploads: db.prepare('DELETE FROM uploads WHERE created_at < ?'),
      putInstallation: db.prepare('INSERT INTO installations (id, updated_at, sealed) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, sealed = excluded.sealed'),
      getInstallation: db.prepare('SELECT sealed FROM installations WHERE id = ?'),
      deleteInstallation: db.prepare('DELETE FROM installations WHERE id = ?'),
      insertWork: db.prepare(`INSERT INTO work (id, kind, state, dedupe_key, card_id, card_ts, workspace, channel, requester, payload_json, due_at, claimed_by, lease_until, attempts, created_at, updated_at)
        VALUES (@id, @kind, @state, @dedupeKey, @cardId, @cardTs, @workspace, @channel, @requester, @payload, @dueAt, @claimedBy, @leaseUntil, @attempts, @now, @now) ON CONFLICT(dedupe_key) DO NOTHING`),
      work: db.prepare('SELECT * FROM work WHERE id = ?'),
      workByKey: db.prepare('SELECT * FROM work WHERE dedupe_key = ?'),
      workForCard: db.prepare(`SELECT * FROM work WHERE card_id = ? AND kind != 'rerun-later' ORDER BY created_at DESC, rowid DESC LIMIT 1`),
      // A run holding the card (started, live lease) first; else a verdict the card showed at or after the click.
      cardRunConflict: db.prepare(`SELECT state FROM work WHERE card_id = @cardId AND id != @id AND kind IN (${CARD_RUN_KINDS.map((k) => `'${k}'`).join(', ')})
        AND ((${HOLDS}) OR (@clickedAt IS NOT NULL AND state = 'done' AND outcome = 'verdict' AND coalesce(verdict_at, updated_at) >= @clickedAt))
        ORDER BY state = 'running' DESC LIMIT 1`),
      startRun: db.prepare('UPDATE work SET started_at = ? WHERE id = ?'),
      activeForCard: db.prepare(`SELECT * FROM work WHERE card_id = ? AND state = 'running' AND kind IN ('diagnose', 'rerun') AND lease_until > ? ORDER BY created_at, id LIMIT 1`),
      step: db.prepare(`UPDATE work SET step = coalesce(@step, step), card_id = coalesce(@cardId, card_id), card_ts = coalesce(@cardTs, card_ts), updated_at = @now, verdict_at = CASE WHEN @step = 'verdict' THEN @now ELSE verdict_at END WHERE id = @id AND claimed_by = @owner`),
      finish: db.prepare(`UPDATE work SET state = 'done', outcome = ?, claimed_by = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`),
      finishOwned: db.prepare(`UPDATE work SET state = 'done', outcome = ?, claimed_by = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND claimed_by = ?`),
      handBack: db.prepare(`UPDATE work SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'running'`),
      renew: db.prepare(`UPDATE work SET lease_until = ? WHERE claimed_by = ? AND state = 'running'`),
      claimable: db.prepare(`SELECT id FROM work WHERE state != 'done' AND due_at <= ? AND (claimed_by IS NULL OR lease_until < ?) ORDER BY due_at, created_at LIMIT ?`),
      claim: db.prepare(`UPDATE work SET state = 'running', claimed_by = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state != 'done' AND (claimed_by IS NULL OR lease_until < ?)`),
      moveRerun: db.prepare(`UPDATE work SET due_at = ?, requester = ?, payload_json = ?, updated_at = ? WHERE card_id = ? AND kind = 'rerun-later' AND state = 'pending'`),
      pendingReruns: db.prepare(`SELECT * FROM work WHERE kind = 'rerun-later' AND state != 'done' ORDER BY due_at`),
      putUpload: db.prepare('INSERT INTO uploads (workspace, key, text, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(workspace, key) DO UPDATE SET text = excluded.text, created_at = excluded.created_at'),
      getUpload: db.prepare('SELECT text FROM uploads WHERE key = ? ORDER BY created_at DESC LIMIT 1'),
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Statements whose text depends on the call (a list of kinds): compiled once per text, not on every call. */
  readonly #statements = new Map<string, Statement>();
  #prepared(sql: string): Statement {
    let st = this.#statements.get(sql);
    if (!st) this.#statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  async saveDiagnosis(row: DiagnosisRow): Promise<void> {
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

  async diagnosis(id: string): Promise<DiagnosisRow | null> {
    const r = this.#q.diagnosis.get(id) as Record<string, unknown> | undefined;
    return r ? toDiagnosisRow(r) : null;
  }

  async cardIdAt(channel: string, ts: string): Promise<string | null> {
    return ((this.#q.cardAt.get(channel, ts, channel, ts) as { card_id: string } | undefined)?.card_id) ?? null;
  }

  async ticketForKey(key: string): Promise<Ticket | null> {
    return this.#ticketForKey(key);
  }

  #ticketForKey(key: string): Ticket | null {
    const r = this.#q.ticketByKey.get(key) as Record<string, unknown> | undefined;
    return r ? toTicket(r) : null;
  }

  async cardDiagnoses(cardId: string): Promise<DiagnosisRow[]> {
    return (this.#q.cardDiagnoses.all(cardId) as Record<string, unknown>[]).map(toDiagnosisRow);
  }

  async history(action: string, limit = 10, team: string | null = null): Promise<HistoryEntry[]> {
    return historyFrom(this.#q.history.all({ team }, action, limit + 1) as { created_at: string; requester: string; family: number | null; cause: string; report_json: string }[], limit);
  }

  async createTicket(key: string, draft: TicketDraft, announce: (t: Ticket) => OutboxMessage[]): Promise<{ ticket: Ticket; created: boolean }> {
    try {
      return this.db.transaction(() => {
        const existing = this.#ticketForKey(key);
        if (existing) return { ticket: existing, created: false };
        const createdAt = new Date().toISOString();
        const info = this.#q.insertTicket.run(key, draft.diagnosisId, createdAt, draft.createdBy, '{}');
        const ticket = TicketSchema.parse({ ...draft, number: Number(info.lastInsertRowid), status: 'open', createdAt, resolvedBy: null, resolvedAt: null });
        this.#q.setTicketPayload.run(JSON.stringify(ticket), ticket.number);
        for (const m of announce(ticket)) this.#enqueue(m);
        return { ticket, created: true };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Saving the ticket');
    }
  }

  async ticket(number: number): Promise<Ticket | null> {
    const r = this.#q.ticket.get(number) as Record<string, unknown> | undefined;
    return r ? toTicket(r) : null;
  }

  async resolveTicket(number: number, by: string, announce: (t: Ticket) => OutboxMessage[] | Promise<OutboxMessage[]>): Promise<{ ticket: Ticket; changed: boolean } | null> {
    const p = await prepareResolution(this, number, by, announce);
    if (!p.ready) return p.result;
    const { resolved, messages: msgs } = p;
    try {
      return this.db.transaction(() => {
        if (this.#q.resolve.run(by, resolved.resolvedAt, JSON.stringify(resolved), number).changes === 0) return { ticket: this.#ticketRow(number)!, changed: false };
        for (const m of msgs) this.#enqueue(m);
        return { ticket: resolved, changed: true };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Resolving the ticket');
    }
  }

  #ticketRow(number: number): Ticket | null {
    const r = this.#q.ticket.get(number) as Record<string, unknown> | undefined;
    return r ? toTicket(r) : null;
  }

  async enqueue(m: OutboxMessage, now = Date.now()): Promise<void> {
    this.#enqueue(m, now);
  }

  #enqueue(m: OutboxMessage, now = Date.now()): void {
    this.#q.enqueue.run(m.kind, m.dedupeKey, JSON.stringify(m.payload), new Date(now).toISOString(), now);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return this.db.transaction(() => {
      const rows = this.#q.due.all(now, limit) as { id: number; kind: string; dedupe_key: string; payload_json: string; attempts: number }[];
      return rows
        .filter((r) => this.#q.lease.run(now + leaseMs, r.id, now).changes === 1)
        .map((r) => ({ id: r.id, kind: r.kind, dedupeKey: r.dedupe_key, payload: JSON.parse(r.payload_json), attempts: r.attempts }));
    }).immediate();
  }

  async markSent(id: number): Promise<void> {
    this.#q.sent.run(new Date().toISOString(), id);
  }

  async markFailed(id: number, retryAt: number, error: string): Promise<void> {
    this.#q.failed.run(retryAt, error.slice(0, 500), id);
  }

  async markDead(id: number, error: string): Promise<void> {
    this.#q.dead.run(new Date().toISOString(), error.slice(0, 500), id);
  }

  async pendingCount(): Promise<number> {
    return (this.#q.pending.get() as { n: number }).n;
  }

  async purgeOlderThan(days: number, now = Date.now()): Promise<number> {
    const before = now - days * 86_400_000;
    this.#q.purgeWork.run(before);
    this.#q.purgeUploads.run(before);
    return this.#q.purge.run(new Date(before).toISOString()).changes;
  }

  async putSealedInstallation(id: string, sealed: string): Promise<void> {
    this.#q.putInstallation.run(id, new Date().toISOString(), sealed);
  }
  async getSealedInstallation(id: string): Promise<string | null> {
    return (this.#q.getInstallation.get(id) as { sealed: string } | undefined)?.sealed ?? null;
  }
  async deleteInstallation(id: string): Promise<void> {
    this.#q.deleteInstallation.run(id);
  }

  async addWork(w: NewWork, claim?: Claim): Promise<{ row: WorkRow; created: boolean }> {
    const id = randomUUID();
    const payload = JSON.stringify(w.payload ?? null);
    try {
      // Committed with the other requests of this loop turn (see GroupCommit); resolved only after the COMMIT.
      return await this.#group.run(() => {
        const now = Date.now();
        const info = this.#q.insertWork.run({
          id, kind: w.kind, state: claim ? 'running' : 'pending', dedupeKey: w.dedupeKey ?? null, cardId: w.cardId ?? null, cardTs: w.cardTs ?? null,
          workspace: w.workspace, channel: w.channel, requester: w.requester, payload, dueAt: w.dueAt ?? now,
          claimedBy: claim?.owner ?? null, leaseUntil: claim ? now + claim.leaseMs : null, attempts: claim ? 1 : 0, now,
        });
        const row = info.changes === 1 ? this.#q.work.get(id) : this.#q.workByKey.get(w.dedupeKey);
        return { row: toWorkRow(row as Record<string, unknown>), created: info.changes === 1 };
      });
    } catch (err) {
      throw explainSqliteError(err, 'Recording the request');
    }
  }

  async beginCardRun(w: NewWork & { cardId: string }, claim: Claim, clickedAt: number | null = null): Promise<{ row: WorkRow; created: boolean; conflict: 'running' | 'newer' | null }> {
    try {
      // IMMEDIATE: the check and the insert hold the write lock together, so another process's begin waits for this one.
      return this.db.transaction(() => {
        const known = w.dedupeKey ? (this.#q.workByKey.get(w.dedupeKey) as Record<string, unknown> | undefined) : undefined;
        if (known) return { row: toWorkRow(known), created: false, conflict: null };
        const now = Date.now();
        const id = randomUUID();
        const hit = this.#q.cardRunConflict.get({ cardId: w.cardId, id, now, clickedAt }) as { state: string } | undefined;
        this.#q.insertWork.run({
          id, kind: w.kind, state: 'running', dedupeKey: w.dedupeKey ?? null, cardId: w.cardId, cardTs: w.cardTs ?? null, workspace: w.workspace, channel: w.channel,
          requester: w.requester, payload: JSON.stringify(w.payload ?? null), dueAt: w.dueAt ?? now, claimedBy: claim.owner, leaseUntil: now + claim.leaseMs, attempts: 1, now,
        });
        if (hit) this.#q.finish.run('refused', now, id);
        else this.#q.startRun.run(now, id);
        return { row: toWorkRow(this.#q.work.get(id) as Record<string, unknown>), created: true, conflict: hit ? (hit.state === 'running' ? 'running' as const : 'newer' as const) : null };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Recording the request');
    }
  }

  async work(id: string): Promise<WorkRow | null> {
    const r = this.#q.work.get(id) as Record<string, unknown> | undefined;
    return r ? toWorkRow(r) : null;
  }

  async workForCard(cardId: string): Promise<WorkRow | null> {
    const r = this.#q.workForCard.get(cardId) as Record<string, unknown> | undefined;
    return r ? toWorkRow(r) : null;
  }

  async confirmCardRun(id: string, cardId: string): Promise<boolean> {
    return this.db.transaction(() => {
      const now = Date.now();
      if (this.#q.cardRunConflict.get({ cardId, id, now, clickedAt: null })) return false;
      this.#q.startRun.run(now, id);
      return true;
    }).immediate();
  }

  async activeWorkForCard(cardId: string, now = Date.now()): Promise<WorkRow | null> {
    const r = this.#q.activeForCard.get(cardId, now) as Record<string, unknown> | undefined;
    return r ? toWorkRow(r) : null;
  }

  async stepWork(id: string, owner: string, patch: { step?: string; cardId?: string; cardTs?: string }): Promise<void> {
    this.#q.step.run({ id, owner, step: patch.step ?? null, cardId: patch.cardId ?? null, cardTs: patch.cardTs ?? null, now: Date.now() });
  }

  async finishWork(id: string, outcome: string): Promise<void> {
    this.#q.finish.run(outcome, Date.now(), id);
  }

  async finishOwnedWork(id: string, outcome: string, owner: string): Promise<boolean> {
    return this.#q.finishOwned.run(outcome, Date.now(), id, owner).changes === 1;
  }

  async handBackWork(id: string, owner: string): Promise<void> {
    this.#q.handBack.run(Date.now(), id, owner);
  }

  async renewWork(owner: string, leaseUntil: number): Promise<void> {
    this.#q.renew.run(leaseUntil, owner);
  }

  async claimWork(claim: Claim, now: number, limit: number, kinds?: string[]): Promise<WorkRow[]> {
    return this.db.transaction(() => {
      const ids = (this.#q.claimable.all(now, now, limit * 4) as { id: string }[]).map((r) => r.id);
      const out: WorkRow[] = [];
      for (const id of ids) {
        if (out.length >= limit) break;
        const row = toWorkRow(this.#q.work.get(id) as Record<string, unknown>);
        if (kinds && !kinds.includes(row.kind)) continue;
        if (this.#q.claim.run(claim.owner, now + claim.leaseMs, now, id, now).changes === 1) out.push(toWorkRow(this.#q.work.get(id) as Record<string, unknown>));
      }
      return out;
    }).immediate();
  }

  async scheduleRerun(cardId: string, dueAt: number, by: string, label: string): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      if (this.#q.moveRerun.run(dueAt, by, JSON.stringify({ label }), now, cardId).changes) return;
      this.#q.insertWork.run({ id: randomUUID(), kind: 'rerun-later', state: 'pending', dedupeKey: null, cardId, cardTs: null, workspace: null, channel: null, requester: by, payload: JSON.stringify({ label }), dueAt, claimedBy: null, leaseUntil: null, attempts: 0, now });
    }).immediate();
  }

  async pendingReruns(): Promise<{ cardId: string; dueAt: number; label: string; by: string }[]> {
    return (this.#q.pendingReruns.all() as Record<string, unknown>[]).map(toWorkRow).map((r) => ({ cardId: r.cardId!, dueAt: r.dueAt, label: (r.payload as { label: string }).label, by: r.requester }));
  }

  async countWorkSince(kinds: string[], since: number, who: { requester?: string; workspace?: string }, excludeId = ''): Promise<{ count: number; oldest: number | null }> {
    const col = who.requester !== undefined ? 'requester' : 'workspace';
    const value = who.requester ?? who.workspace ?? '';
    const marks = kinds.map(() => '?').join(', ');
    const r = this.#prepared(`SELECT coalesce(sum(units), 0) AS n, min(created_at) AS oldest FROM work WHERE ${col} = ? AND created_at > ? AND id != ? AND (outcome IS NULL OR outcome != 'refused') AND kind IN (${marks})`).get(value, since, excludeId, ...kinds) as { n: number; oldest: number | null };
    return { count: r.n, oldest: r.oldest };
  }

  async reserveWork(id: string, units: number, budget: { workspace: string; kinds: string[]; since: number; limit: number }): Promise<{ ok: boolean; count: number; oldest: number | null }> {
    // IMMEDIATE: the count and the write hold the write lock together (another process's reservation waits).
    const sum = this.#prepared(`SELECT coalesce(sum(units), 0) AS n, min(created_at) AS oldest FROM work WHERE workspace = ? AND created_at > ? AND id != ? AND (outcome IS NULL OR outcome != 'refused') AND kind IN (${budget.kinds.map(() => '?').join(', ')})`);
    const set = this.#prepared('UPDATE work SET units = ?, updated_at = ? WHERE id = ?');
    return this.db.transaction(() => {
      const r = sum.get(budget.workspace, budget.since, id, ...budget.kinds) as { n: number; oldest: number | null };
      const ok = r.n + units <= budget.limit;
      if (ok) set.run(units, Date.now(), id);
      return { ok, count: r.n, oldest: r.oldest };
    }).immediate();
  }

  async holdWork(id: string, key: string, now = Date.now()): Promise<{ ok: true } | { ok: false; holder: WorkRow }> {
    try {
      // IMMEDIATE: the check and the write hold the write lock together, so another process's hold waits for this one.
      return this.db.transaction(() => {
        const holder = this.#q.holder.get(key, id, now) as Record<string, unknown> | undefined;
        if (holder) return { ok: false as const, holder: toWorkRow(holder) };
        this.#q.setHold.run(key, id);
        return { ok: true as const };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Recording the request');
    }
  }

  async releaseHold(id: string): Promise<void> {
    this.#q.setHold.run(null, id);
  }

  async putUpload(workspace: string, key: string, text: string): Promise<void> {
    this.#q.putUpload.run(workspace, key, text, Date.now());
  }

  async getUpload(key: string): Promise<string | null> {
    return (this.#q.getUpload.get(key) as { text: string } | undefined)?.text ?? null;
  }
}
