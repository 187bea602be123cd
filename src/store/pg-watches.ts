import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { enqueueOutbox, explainPgError, inTransaction } from './pg-tx.js';
import { toWatchRow } from './rows.js';
import type { ClaimedWatch, NewWatch, WatchRow, WatchRun, WatchStore } from './store.js';

/**
 * The PostgreSQL engine's watches: the same contract as SQLite's across instances. Due watches are claimed with FOR
 * UPDATE SKIP LOCKED and a lease (a token per claim), so each due time runs on one instance; a run commits its state and
 * its outbox rows in one transaction, only while it still holds the claim; the per-workspace limit is checked under a
 * per-workspace advisory lock, so two instances creating at once cannot pass it together.
 */
export class PgWatchStore implements WatchStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(w: NewWatch, max: number): Promise<{ watch: WatchRow; created: boolean } | null> {
    try {
      return await inTransaction(this.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`watches:${w.workspace}`]);
        const existing = (await c.query(`SELECT * FROM watches WHERE workspace = $1 AND channel = $2 AND lower(target) = lower($3) AND stopped_at IS NULL`, [w.workspace, w.channel, w.target])).rows[0] as Record<string, unknown> | undefined;
        if (existing) return { watch: toWatchRow(existing), created: false };
        const n = Number((await c.query(`SELECT count(*) AS n FROM watches WHERE workspace = $1 AND stopped_at IS NULL`, [w.workspace])).rows[0].n);
        if (n >= max) return null;
        const ins = (await c.query(`INSERT INTO watches (workspace, channel, created_by, target, every_ms, next_due_at, state_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [w.workspace, w.channel, w.createdBy, w.target, w.everyMs, w.firstDueAt, JSON.stringify(w.state), new Date().toISOString()])).rows[0] as Record<string, unknown>;
        return { watch: toWatchRow(ins), created: true };
      });
    } catch (err) {
      throw explainPgError(err, 'Saving the watch');
    }
  }

  async active(workspace: string): Promise<WatchRow[]> {
    return (await this.pool.query(`SELECT * FROM watches WHERE workspace = $1 AND stopped_at IS NULL ORDER BY id`, [workspace])).rows.map(toWatchRow);
  }

  async activeCount(workspace: string): Promise<number> {
    return Number((await this.pool.query(`SELECT count(*) AS n FROM watches WHERE workspace = $1 AND stopped_at IS NULL`, [workspace])).rows[0].n);
  }

  async activeWorkspaces(): Promise<string[]> {
    return (await this.pool.query(`SELECT DISTINCT workspace FROM watches WHERE stopped_at IS NULL`)).rows.map((r: { workspace: string }) => r.workspace);
  }

  async stop(workspace: string, channel: string, target: string | null): Promise<number> {
    const at = new Date().toISOString();
    const r = target === null
      ? await this.pool.query(`UPDATE watches SET stopped_at = $1 WHERE workspace = $2 AND channel = $3 AND stopped_at IS NULL`, [at, workspace, channel])
      : await this.pool.query(`UPDATE watches SET stopped_at = $1 WHERE workspace = $2 AND channel = $3 AND lower(target) = lower($4) AND stopped_at IS NULL`, [at, workspace, channel, target]);
    return r.rowCount ?? 0;
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedWatch[]> {
    // One token per claim call: the commit matches id AND token, so a later claim of the same watch (after the lease)
    // has another token and this one commits nothing.
    const token = randomUUID();
    const rows = (await this.pool.query(`UPDATE watches SET claim_token = $1, claimed_until = $2 WHERE id IN (
        SELECT id FROM watches WHERE stopped_at IS NULL AND next_due_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
        ORDER BY next_due_at LIMIT $4 FOR UPDATE SKIP LOCKED
      ) RETURNING *`, [token, now + leaseMs, now, limit])).rows as Record<string, unknown>[];
    return rows.map((r) => ({ ...toWatchRow(r), token })).sort((a, b) => a.nextDueAt - b.nextDueAt);
  }

  async commitRun(w: ClaimedWatch, run: WatchRun): Promise<boolean> {
    try {
      return await inTransaction(this.pool, async (c) => {
        const u = await c.query(`UPDATE watches SET state_json = $1, next_due_at = $2, claim_token = NULL, claimed_until = NULL, stopped_at = $3 WHERE id = $4 AND claim_token = $5 AND stopped_at IS NULL`,
          [JSON.stringify(run.state), run.nextDueAt, run.stop ? new Date().toISOString() : null, w.id, w.token]);
        if (u.rowCount !== 1) return false;
        const now = Date.now();
        for (const m of run.messages) await enqueueOutbox(c, m, now);
        return true;
      });
    } catch (err) {
      throw explainPgError(err, 'Saving the watch run');
    }
  }

  async dueNow(id: number, now: number): Promise<boolean> {
    return ((await this.pool.query(`UPDATE watches SET next_due_at = $1 WHERE id = $2 AND stopped_at IS NULL AND next_due_at > $1`, [now, id])).rowCount ?? 0) === 1;
  }
}
