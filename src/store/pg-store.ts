import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Ticket, TicketDraft } from '../pipeline/ticket.js';
import { TicketSchema } from '../pipeline/ticket.js';
import { enqueueOutbox, explainPgError, inTransaction } from './pg-tx.js';
import { PgWatchStore } from './pg-watches.js';
import { PG_MIGRATIONS } from './migrations/postgres.js';
import { CARD_RUN_KINDS, prepareResolution } from './store.js';
import type { Claim, DiagnosisRow, HistoryEntry, NewWork, OutboxMessage, OutboxRow, Store, WorkRow } from './store.js';
import { HOLDS, historyFrom, toDiagnosisRow, toTicket, toWorkRow } from './rows.js';

export { explainPgError } from './pg-tx.js';

type Q = pg.Pool | pg.PoolClient;

const ALIVE = `(claimed_by IS NULL OR lease_until < $1)`;

/**
 * The engine for several instances: PostgreSQL through `pg`. Every guarantee of the SQLite store holds across
 * processes: idempotency keys are unique indexes, claims use FOR UPDATE SKIP LOCKED with leases, counts are queries.
 */
export class PgStore implements Store {
  readonly engine = 'postgres' as const;

  readonly watches: PgWatchStore;

  private constructor(readonly pool: pg.Pool) {
    this.watches = new PgWatchStore(pool);
  }

  /** Connects and brings the schema to the latest version (once, under an advisory lock, however many instances start). */
  static async open(url: string, opts: { max?: number } = {}): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server dropped must not crash the process.
    pool.on('error', () => {});
    const store = new PgStore(pool);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw explainPgError(err, 'Opening the PostgreSQL database');
    }
    return store;
  }

  async migrate(): Promise<number> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(7242001)');
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of PG_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      }
    });
    return Math.max(0, ...PG_MIGRATIONS.map((m) => m.version));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async #one(q: Q, sql: string, args: unknown[] = []): Promise<Record<string, unknown> | null> {
    return ((await q.query(sql, args)).rows[0] as Record<string, unknown> | undefined) ?? null;
  }

  async saveDiagnosis(row: DiagnosisRow): Promise<void> {
    const r = row.report;
    try {
      await this.pool.query(
        `INSERT INTO diagnoses (id, card_id, created_at, requester, workspace, channel, thread_ts, kind, action, session, endpoint, method, family, cause, duration_ms, findings_json, report_json, input_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (id) DO NOTHING`,
        [row.id, row.cardId, row.createdAt, row.requester, row.workspace, row.channel, row.threadTs, row.kind, r.input.action, r.input.session, r.input.endpoint ?? '', r.input.method,
          r.verdict.family, r.verdict.cause, Math.round(r.durationMs), JSON.stringify(r.findings), JSON.stringify(r), row.input === undefined ? null : JSON.stringify(row.input)],
      );
    } catch (err) {
      throw explainPgError(err, 'Saving the diagnosis');
    }
  }

  async diagnosis(id: string): Promise<DiagnosisRow | null> {
    const r = await this.#one(this.pool, 'SELECT * FROM diagnoses WHERE id = $1', [id]);
    return r ? toDiagnosisRow(r) : null;
  }

  async cardIdAt(channel: string, ts: string): Promise<string | null> {
    const r = await this.#one(this.pool, `SELECT card_id FROM diagnoses WHERE channel = $1 AND thread_ts = $2 AND card_id IS NOT NULL
      UNION ALL SELECT card_id FROM work WHERE channel = $1 AND card_ts = $2 AND card_id IS NOT NULL LIMIT 1`, [channel, ts]);
    return (r?.['card_id'] as string | undefined) ?? null;
  }

  async cardDiagnoses(cardId: string): Promise<DiagnosisRow[]> {
    return (await this.pool.query('SELECT * FROM diagnoses WHERE card_id = $1 ORDER BY created_at, id', [cardId])).rows.map(toDiagnosisRow);
  }

  async history(action: string, limit = 10, team: string | null = null): Promise<HistoryEntry[]> {
    const rows = (await this.pool.query(`SELECT created_at, requester, family, cause, report_json FROM diagnoses WHERE lower(action) = lower($1) AND kind != 'follow-up'
      AND ($3::text IS NULL OR workspace = $3 OR workspace LIKE '%/' || $3) ORDER BY created_at DESC, id DESC LIMIT $2`, [action, limit + 1, team])).rows;
    return historyFrom(rows, limit);
  }

  async ticketForKey(key: string): Promise<Ticket | null> {
    const r = await this.#one(this.pool, 'SELECT * FROM tickets WHERE idempotency_key = $1', [key]);
    return r ? toTicket(r) : null;
  }

  async createTicket(key: string, draft: TicketDraft, announce: (t: Ticket) => OutboxMessage[]): Promise<{ ticket: Ticket; created: boolean }> {
    try {
      const made = await this.#tx(async (c) => {
        // Two instances with the same key: the second INSERT waits on the unique index, then does nothing.
        const ins = await this.#one(c, `INSERT INTO tickets (idempotency_key, diagnosis_id, created_at, created_by, status, payload_json) VALUES ($1, $2, $3, $4, 'open', '{}')
          ON CONFLICT (idempotency_key) DO NOTHING RETURNING number, created_at`, [key, draft.diagnosisId, new Date().toISOString(), draft.createdBy]);
        if (!ins) return null;
        const ticket = TicketSchema.parse({ ...draft, number: Number(ins['number']), status: 'open', createdAt: ins['created_at'], resolvedBy: null, resolvedAt: null });
        await c.query('UPDATE tickets SET payload_json = $1 WHERE number = $2', [JSON.stringify(ticket), ticket.number]);
        for (const m of announce(ticket)) await this.#enqueue(c, m);
        return ticket;
      });
      if (made) return { ticket: made, created: true };
      return { ticket: (await this.ticketForKey(key))!, created: false };
    } catch (err) {
      throw explainPgError(err, 'Saving the ticket');
    }
  }

  async ticket(number: number): Promise<Ticket | null> {
    const r = await this.#one(this.pool, 'SELECT * FROM tickets WHERE number = $1', [number]);
    return r ? toTicket(r) : null;
  }

  async resolveTicket(number: number, by: string, announce: (t: Ticket) => OutboxMessage[] | Promise<OutboxMessage[]>): Promise<{ ticket: Ticket; changed: boolean } | null> {
    const p = await prepareResolution(this, number, by, announce);
    if (!p.ready) return p.result;
    const { resolved, messages: msgs } = p;
    try {
      const changed = await this.#tx(async (c) => {
        const u = await c.query(`UPDATE tickets SET status = 'resolved', resolved_by = $1, resolved_at = $2, payload_json = $3 WHERE number = $4 AND status = 'open'`, [by, resolved.resolvedAt, JSON.stringify(resolved), number]);
        if (u.rowCount !== 1) return false;
        for (const m of msgs) await this.#enqueue(c, m);
        return true;
      });
      return changed ? { ticket: resolved, changed } : { ticket: (await this.ticket(number))!, changed };
    } catch (err) {
      throw explainPgError(err, 'Resolving the ticket');
    }
  }

  async #enqueue(q: Q, m: OutboxMessage, now = Date.now()): Promise<void> {
    await enqueueOutbox(q, m, now);
  }

  async enqueue(m: OutboxMessage, now = Date.now()): Promise<void> {
    await this.#enqueue(this.pool, m, now);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    // SKIP LOCKED: two instances polling at once take different rows; the lease keeps a row away from the others while
    // it is being sent (and gives it back if the sender dies).
    const rows = (await this.pool.query(`UPDATE outbox SET next_attempt_at = $1 WHERE id IN (
        SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
      ) RETURNING id, kind, dedupe_key, payload_json, attempts`, [now + leaseMs, now, limit])).rows as Record<string, unknown>[];
    return rows.sort((a, b) => Number(a['id']) - Number(b['id'])).map((r) => ({ id: Number(r['id']), kind: String(r['kind']), dedupeKey: String(r['dedupe_key']), payload: JSON.parse(String(r['payload_json'])), attempts: Number(r['attempts']) }));
  }

  async markSent(id: number): Promise<void> {
    await this.pool.query('UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2', [new Date().toISOString(), id]);
  }

  async markFailed(id: number, retryAt: number, error: string): Promise<void> {
    await this.pool.query('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3', [Math.round(retryAt), error.slice(0, 500), id]);
  }

  async markDead(id: number, error: string): Promise<void> {
    await this.pool.query('UPDATE outbox SET attempts = attempts + 1, dead_at = $1, last_error = $2 WHERE id = $3', [new Date().toISOString(), error.slice(0, 500), id]);
  }

  async pendingCount(): Promise<number> {
    return Number((await this.#one(this.pool, 'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL'))!['n']);
  }

  async purgeOlderThan(days: number, now = Date.now()): Promise<number> {
    const before = now - days * 86_400_000;
    await this.pool.query(`DELETE FROM work WHERE state = 'done' AND updated_at < $1`, [before]);
    await this.pool.query('DELETE FROM uploads WHERE created_at < $1', [before]);
    return (await this.pool.query('DELETE FROM diagnoses WHERE created_at < $1 AND id NOT IN (SELECT diagnosis_id FROM tickets)', [new Date(before).toISOString()])).rowCount ?? 0;
  }

  async putSealedInstallation(id: string, sealed: string): Promise<void> {
    await this.pool.query('INSERT INTO installations (id, updated_at, sealed) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, sealed = excluded.sealed', [id, new Date().toISOString(), sealed]);
  }
  async getSealedInstallation(id: string): Promise<string | null> {
    return ((await this.#one(this.pool, 'SELECT sealed FROM installations WHERE id = $1', [id]))?.['sealed'] as string | undefined) ?? null;
  }
  async deleteInstallation(id: string): Promise<void> {
    await this.pool.query('DELETE FROM installations WHERE id = $1', [id]);
  }

  async addWork(w: NewWork, claim?: Claim): Promise<{ row: WorkRow; created: boolean }> {
    const now = Date.now();
    try {
      const ins = await this.#one(this.pool, `INSERT INTO work (id, kind, state, dedupe_key, card_id, card_ts, workspace, channel, requester, payload_json, due_at, claimed_by, lease_until, attempts, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
      [randomUUID(), w.kind, claim ? 'running' : 'pending', w.dedupeKey ?? null, w.cardId ?? null, w.cardTs ?? null, w.workspace, w.channel, w.requester, JSON.stringify(w.payload ?? null),
        w.dueAt ?? now, claim?.owner ?? null, claim ? now + claim.leaseMs : null, claim ? 1 : 0, now]);
      if (ins) return { row: toWorkRow(ins), created: true };
      return { row: toWorkRow((await this.#one(this.pool, 'SELECT * FROM work WHERE dedupe_key = $1', [w.dedupeKey]))!), created: false };
    } catch (err) {
      throw explainPgError(err, 'Recording the request');
    }
  }

  async beginCardRun(w: NewWork & { cardId: string }, claim: Claim, clickedAt: number | null = null): Promise<{ row: WorkRow; created: boolean; conflict: 'running' | 'newer' | null }> {
    try {
      return await this.#tx(async (c) => {
        // Read committed alone would let two instances both see "nothing running" and both insert: the per-card lock
        // makes the second begin wait until the first has committed its row, then see it.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`card-run:${w.cardId}`]);
        const known = w.dedupeKey ? await this.#one(c, 'SELECT * FROM work WHERE dedupe_key = $1', [w.dedupeKey]) : null;
        if (known) return { row: toWorkRow(known), created: false, conflict: null };
        const now = Date.now();
        const hit = await this.#conflict(c, w.cardId, '', now, clickedAt);
        const ins = await this.#one(c, `INSERT INTO work (id, kind, state, dedupe_key, card_id, card_ts, workspace, channel, requester, payload_json, due_at, claimed_by, lease_until, attempts, outcome, created_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $15) RETURNING *`,
        [randomUUID(), w.kind, hit ? 'done' : 'running', w.dedupeKey ?? null, w.cardId, w.cardTs ?? null, w.workspace, w.channel, w.requester, JSON.stringify(w.payload ?? null),
          w.dueAt ?? now, hit ? null : claim.owner, hit ? null : now + claim.leaseMs, hit ? 'refused' : null, now]);
        if (!hit) await c.query('UPDATE work SET started_at = $1 WHERE id = $2', [now, ins!['id']]);
        return { row: toWorkRow(ins!), created: true, conflict: hit ? (hit['state'] === 'running' ? 'running' as const : 'newer' as const) : null };
      });
    } catch (err) {
      throw explainPgError(err, 'Recording the request');
    }
  }

  /** A run holding the card first; else (for a click) a verdict the card showed at or after the click. */
  async #conflict(c: pg.PoolClient, cardId: string, id: string, now: number, clickedAt: number | null): Promise<Record<string, unknown> | null> {
    return this.#one(c, `SELECT state FROM work WHERE card_id = $1 AND id != $5 AND kind = ANY($2)
      AND ((${HOLDS.replace('@now', '$3')}) OR ($4::bigint IS NOT NULL AND state = 'done' AND outcome = 'verdict' AND coalesce(verdict_at, updated_at) >= $4))
      ORDER BY state = 'running' DESC LIMIT 1`, [cardId, [...CARD_RUN_KINDS], now, clickedAt === null ? null : Math.floor(clickedAt), id]);
  }

  async confirmCardRun(id: string, cardId: string): Promise<boolean> {
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`card-run:${cardId}`]);
      const now = Date.now();
      if (await this.#conflict(c, cardId, id, now, null)) return false;
      await c.query('UPDATE work SET started_at = $1 WHERE id = $2', [now, id]);
      return true;
    });
  }

  async work(id: string): Promise<WorkRow | null> {
    const r = await this.#one(this.pool, 'SELECT * FROM work WHERE id = $1', [id]);
    return r ? toWorkRow(r) : null;
  }

  async workForCard(cardId: string): Promise<WorkRow | null> {
    const r = await this.#one(this.pool, `SELECT * FROM work WHERE card_id = $1 AND kind != 'rerun-later' ORDER BY created_at DESC, id DESC LIMIT 1`, [cardId]);
    return r ? toWorkRow(r) : null;
  }

  async activeWorkForCard(cardId: string, now = Date.now()): Promise<WorkRow | null> {
    const r = await this.#one(this.pool, `SELECT * FROM work WHERE card_id = $1 AND state = 'running' AND kind IN ('diagnose', 'rerun') AND lease_until > $2 ORDER BY created_at, id LIMIT 1`, [cardId, now]);
    return r ? toWorkRow(r) : null;
  }

  async stepWork(id: string, owner: string, patch: { step?: string; cardId?: string; cardTs?: string }): Promise<void> {
    await this.pool.query(`UPDATE work SET step = coalesce($3, step), card_id = coalesce($4, card_id), card_ts = coalesce($5, card_ts), updated_at = $6, verdict_at = CASE WHEN $3::text = 'verdict' THEN $6 ELSE verdict_at END WHERE id = $1 AND claimed_by = $2`,
      [id, owner, patch.step ?? null, patch.cardId ?? null, patch.cardTs ?? null, Date.now()]);
  }

  async finishWork(id: string, outcome: string): Promise<void> {
    await this.pool.query(`UPDATE work SET state = 'done', outcome = $1, claimed_by = NULL, lease_until = NULL, updated_at = $2 WHERE id = $3`, [outcome, Date.now(), id]);
  }

  async finishOwnedWork(id: string, outcome: string, owner: string): Promise<boolean> {
    const r = await this.pool.query(`UPDATE work SET state = 'done', outcome = $1, claimed_by = NULL, lease_until = NULL, updated_at = $2 WHERE id = $3 AND state = 'running' AND claimed_by = $4`, [outcome, Date.now(), id, owner]);
    return r.rowCount === 1;
  }

  async handBackWork(id: string, owner: string): Promise<void> {
    await this.pool.query(`UPDATE work SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = $1 WHERE id = $2 AND claimed_by = $3 AND state = 'running'`, [Date.now(), id, owner]);
  }

  async renewWork(owner: string, leaseUntil: number): Promise<void> {
    await this.pool.query(`UPDATE work SET lease_until = $1 WHERE claimed_by = $2 AND state = 'running'`, [leaseUntil, owner]);
  }

  async claimWork(claim: Claim, now: number, limit: number, kinds?: string[]): Promise<WorkRow[]> {
    const rows = (await this.pool.query(`UPDATE work SET state = 'running', claimed_by = $2, lease_until = $3, attempts = attempts + 1, updated_at = $1 WHERE id IN (
        SELECT id FROM work WHERE state != 'done' AND due_at <= $1 AND ${ALIVE} ${kinds ? 'AND kind = ANY($5)' : ''}
        ORDER BY due_at, created_at LIMIT $4 FOR UPDATE SKIP LOCKED
      ) RETURNING *`, [now, claim.owner, now + claim.leaseMs, limit, ...(kinds ? [kinds] : [])])).rows as Record<string, unknown>[];
    return rows.map(toWorkRow).sort((a, b) => a.dueAt - b.dueAt);
  }

  async scheduleRerun(cardId: string, dueAt: number, by: string, label: string): Promise<void> {
    const now = Date.now();
    await this.#tx(async (c) => {
      // One pending re-run per card, even when two instances take the click at once.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rerun-later:${cardId}`]);
      const moved = await c.query(`UPDATE work SET due_at = $1, requester = $2, payload_json = $3, updated_at = $4 WHERE card_id = $5 AND kind = 'rerun-later' AND state = 'pending'`, [dueAt, by, JSON.stringify({ label }), now, cardId]);
      if (moved.rowCount) return;
      await c.query(`INSERT INTO work (id, kind, state, card_id, requester, payload_json, due_at, attempts, created_at, updated_at) VALUES ($1, 'rerun-later', 'pending', $2, $3, $4, $5, 0, $6, $6)`,
        [randomUUID(), cardId, by, JSON.stringify({ label }), dueAt, now]);
    });
  }

  async pendingReruns(): Promise<{ cardId: string; dueAt: number; label: string; by: string }[]> {
    const rows = (await this.pool.query(`SELECT * FROM work WHERE kind = 'rerun-later' AND state != 'done' ORDER BY due_at`)).rows as Record<string, unknown>[];
    return rows.map(toWorkRow).map((r) => ({ cardId: r.cardId!, dueAt: r.dueAt, label: (r.payload as { label: string }).label, by: r.requester }));
  }

  async countWorkSince(kinds: string[], since: number, who: { requester?: string; workspace?: string }, excludeId = ''): Promise<{ count: number; oldest: number | null }> {
    const col = who.requester !== undefined ? 'requester' : 'workspace';
    const r = await this.#one(this.pool, `SELECT coalesce(sum(units), 0) AS n, min(created_at) AS oldest FROM work WHERE ${col} = $1 AND created_at > $2 AND kind = ANY($3) AND id != $4 AND (outcome IS NULL OR outcome != 'refused')`, [who.requester ?? who.workspace ?? '', since, kinds, excludeId]);
    return { count: Number(r!['n']), oldest: r!['oldest'] === null ? null : Number(r!['oldest']) };
  }

  async reserveWork(id: string, units: number, budget: { workspace: string; kinds: string[]; since: number; limit: number }): Promise<{ ok: boolean; count: number; oldest: number | null }> {
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`budget:${budget.workspace}`]);
      const r = (await this.#one(c, `SELECT coalesce(sum(units), 0) AS n, min(created_at) AS oldest FROM work WHERE workspace = $1 AND created_at > $2 AND kind = ANY($3) AND id != $4 AND (outcome IS NULL OR outcome != 'refused')`,
        [budget.workspace, budget.since, budget.kinds, id]))!;
      const count = Number(r['n']);
      const ok = count + units <= budget.limit;
      if (ok) await c.query('UPDATE work SET units = $1, updated_at = $2 WHERE id = $3', [units, Date.now(), id]);
      return { ok, count, oldest: r['oldest'] === null ? null : Number(r['oldest']) };
    });
  }

  async holdWork(id: string, key: string, now = Date.now()): Promise<{ ok: true } | { ok: false; holder: WorkRow }> {
    try {
      return await this.#tx(async (c) => {
        // Read committed alone would let two instances both see no holder and both take it: the per-key lock makes the
        // second wait until the first has committed its hold, then see it.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hold:${key}`]);
        const holder = await this.#one(c, `SELECT * FROM work WHERE holds = $1 AND id != $2 AND state = 'running' AND lease_until > $3 ORDER BY created_at, id LIMIT 1`, [key, id, now]);
        if (holder) return { ok: false as const, holder: toWorkRow(holder) };
        await c.query('UPDATE work SET holds = $1 WHERE id = $2', [key, id]);
        return { ok: true as const };
      });
    } catch (err) {
      throw explainPgError(err, 'Recording the request');
    }
  }

  async releaseHold(id: string): Promise<void> {
    await this.pool.query('UPDATE work SET holds = NULL WHERE id = $1', [id]);
  }

  async putUpload(workspace: string, key: string, text: string): Promise<void> {
    await this.pool.query('INSERT INTO uploads (workspace, key, text, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace, key) DO UPDATE SET text = excluded.text, created_at = excluded.created_at', [workspace, key, text, Date.now()]);
  }

  async getUpload(key: string): Promise<string | null> {
    return ((await this.#one(this.pool, 'SELECT text FROM uploads WHERE key = $1 ORDER BY created_at DESC LIMIT 1', [key]))?.['text'] as string | undefined) ?? null;
  }
}
