import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { explainSqliteError } from './db.js';
import type { ClaimedWatch, NewWatch, WatchRow, WatchRun, WatchStore } from './store.js';
import { toWatchRow } from './rows.js';

/** The SQLite engine's watches, on the store's own connection. */
export class SqliteWatchStore implements WatchStore {
  readonly #db: Db;
  readonly #q;

  /** On the SQLite store's own connection (its `db`), so a run and its outbox rows share one transaction. */
  constructor(db: Db) {
    this.#db = db;
    this.#q = {
      // The outbox insert as the store writes it (same table, same dedupe rule), inside this transaction.
      enqueue: db.prepare('INSERT OR IGNORE INTO outbox (kind, dedupe_key, payload_json, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
      insert: db.prepare(`INSERT INTO watches (workspace, channel, created_by, target, every_ms, next_due_at, state_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      active: db.prepare(`SELECT * FROM watches WHERE workspace = ? AND stopped_at IS NULL ORDER BY id`),
      activeCount: db.prepare(`SELECT count(*) AS n FROM watches WHERE workspace = ? AND stopped_at IS NULL`),
      find: db.prepare(`SELECT * FROM watches WHERE workspace = ? AND channel = ? AND lower(target) = lower(?) AND stopped_at IS NULL`),
      get: db.prepare(`SELECT * FROM watches WHERE id = ?`),
      stop: db.prepare(`UPDATE watches SET stopped_at = ? WHERE workspace = ? AND channel = ? AND lower(target) = lower(?) AND stopped_at IS NULL`),
      stopAll: db.prepare(`UPDATE watches SET stopped_at = ? WHERE workspace = ? AND channel = ? AND stopped_at IS NULL`),
      due: db.prepare(`SELECT id FROM watches WHERE stopped_at IS NULL AND next_due_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_due_at LIMIT ?`),
      claim: db.prepare(`UPDATE watches SET claim_token = ?, claimed_until = ? WHERE id = ? AND stopped_at IS NULL AND next_due_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)`),
      // A watch stopped while its run was going is not revived by that run, and the run posts nothing.
      commit: db.prepare(`UPDATE watches SET state_json = ?, next_due_at = ?, claim_token = NULL, claimed_until = NULL, stopped_at = ? WHERE id = ? AND claim_token = ? AND stopped_at IS NULL`),
      dueNow: db.prepare(`UPDATE watches SET next_due_at = ? WHERE id = ? AND stopped_at IS NULL AND next_due_at > ?`),
      workspaces: db.prepare(`SELECT DISTINCT workspace FROM watches WHERE stopped_at IS NULL`),
    };
  }

  async create(w: NewWatch, max: number): Promise<{ watch: WatchRow; created: boolean } | null> {
    try {
      return this.#db.transaction(() => {
        const existing = this.#q.find.get(w.workspace, w.channel, w.target) as Record<string, unknown> | undefined;
        if (existing) return { watch: toWatchRow(existing), created: false };
        if ((this.#q.activeCount.get(w.workspace) as { n: number }).n >= max) return null;
        const info = this.#q.insert.run(w.workspace, w.channel, w.createdBy, w.target, w.everyMs, w.firstDueAt, JSON.stringify(w.state), new Date().toISOString());
        return { watch: toWatchRow(this.#q.get.get(Number(info.lastInsertRowid)) as Record<string, unknown>), created: true };
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Saving the watch');
    }
  }

  async active(workspace: string): Promise<WatchRow[]> {
    return (this.#q.active.all(workspace) as Record<string, unknown>[]).map(toWatchRow);
  }

  async activeCount(workspace: string): Promise<number> {
    return (this.#q.activeCount.get(workspace) as { n: number }).n;
  }

  async activeWorkspaces(): Promise<string[]> {
    return (this.#q.workspaces.all() as { workspace: string }[]).map((r) => r.workspace);
  }

  async stop(workspace: string, channel: string, target: string | null): Promise<number> {
    const at = new Date().toISOString();
    return (target === null ? this.#q.stopAll.run(at, workspace, channel) : this.#q.stop.run(at, workspace, channel, target)).changes;
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedWatch[]> {
    return this.#db.transaction(() => {
      const ids = (this.#q.due.all(now, now, limit) as { id: number }[]).map((r) => r.id);
      const out: ClaimedWatch[] = [];
      for (const id of ids) {
        const token = randomUUID();
        if (this.#q.claim.run(token, now + leaseMs, id, now, now).changes !== 1) continue;
        out.push({ ...toWatchRow(this.#q.get.get(id) as Record<string, unknown>), token });
      }
      return out;
    }).immediate();
  }

  async commitRun(w: ClaimedWatch, run: WatchRun): Promise<boolean> {
    try {
      return this.#db.transaction(() => {
        const changed = this.#q.commit.run(JSON.stringify(run.state), run.nextDueAt, run.stop ? new Date().toISOString() : null, w.id, w.token).changes === 1;
        if (!changed) return false;
        const now = Date.now();
        for (const m of run.messages) this.#q.enqueue.run(m.kind, m.dedupeKey, JSON.stringify(m.payload), new Date(now).toISOString(), now);
        return true;
      }).immediate();
    } catch (err) {
      throw explainSqliteError(err, 'Saving the watch run');
    }
  }

  async dueNow(id: number, now: number): Promise<boolean> {
    return this.#q.dueNow.run(now, id, now).changes === 1;
  }
}
