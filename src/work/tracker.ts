import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Claim, NewWork, Store, WorkRow } from '../store/store.js';
import type { Logger } from '../log.js';

export interface WorkSettings {
  /** How long a claim holds without renewal: after a crash, another start (or instance) takes the work after this. */
  leaseMs: number;
  /** How often due work (a re-run later, work another instance handed back) is looked for. */
  pollMs: number;
}

/**
 * This process's share of the `work` table: it records acknowledged work (claimed by this process), renews the leases of
 * what it runs, takes up work that is due or that a dead process left, and on a graceful stop hands back what did not
 * finish within the grace period, so the next start finishes it.
 */
export class WorkTracker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #mine = new Set<string>();
  readonly #running = new Set<Promise<unknown>>();
  /** Finished here, but the database refused to record it: outcome by id, written again until it takes it. */
  readonly #unfinished = new Map<string, string>();
  #finishRetry: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #stopping = false;

  constructor(
    readonly store: Store,
    private readonly settings: WorkSettings,
    private readonly log: Logger,
    private readonly resume: (row: WorkRow) => Promise<void>,
  ) {}

  get claim(): Claim {
    return { owner: this.owner, leaseMs: this.settings.leaseMs };
  }

  /** True once a graceful stop began: no new work is taken. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Records acknowledged work as running here. `created` false: a retry or a double click of work already recorded. */
  async begin(w: NewWork): Promise<{ row: WorkRow; created: boolean }> {
    const r = await this.store.addWork(w, this.claim);
    if (r.created) this.#mine.add(r.row.id);
    return r;
  }

  /** Starts a run of a card here unless the card has one going, or got a verdict after the click (see Store.beginCardRun). */
  async beginCardRun(w: NewWork & { cardId: string }, clickedAt: number | null = null): Promise<{ row: WorkRow; created: boolean; conflict: 'running' | 'newer' | null }> {
    const r = await this.store.beginCardRun(w, this.claim, clickedAt);
    if (r.created && !r.conflict) this.#mine.add(r.row.id);
    return r;
  }

  /**
   * Records how far the work got, for a process that takes it up after a crash. Never throws: the step's effect (a card
   * posted, a verdict shown) has happened, and failing the work over a bookkeeping write would tell the requester it
   * failed when it did not. A step the database refused costs only a repeat of that step if this process then dies.
   */
  async step(id: string | undefined, patch: { step?: string; cardId?: string; cardTs?: string }): Promise<void> {
    if (!id) return;
    try {
      await this.store.stepWork(id, this.owner, patch);
    } catch (err) {
      this.log.warn({ work: id, step: patch.step, err: (err as Error).message }, 'recording a step failed; the work goes on');
    }
  }

  /**
   * The work is over. Never throws: when the database refuses the write (busy, full, read-only for a while), the row
   * would otherwise stay `running` under this process's lease, renewed by the heartbeat until the process stops, and its
   * hold ("one running diagnosis per user and endpoint") would refuse that user's next run of it. So the outcome is kept
   * and written again, with a doubling wait, until the database takes it; the row's lease is renewed meanwhile, so no
   * other instance runs finished work again (unless the outage outlasts the lease: see #finishLate).
   */
  async done(id: string | undefined, outcome: string): Promise<void> {
    if (!id) return;
    this.#mine.delete(id);
    try {
      await this.store.finishWork(id, outcome);
      this.#unfinished.delete(id);
    } catch (err) {
      this.log.error({ work: id, outcome, err: (err as Error).message }, 'finishing work failed; written again when the database answers');
      this.#unfinished.set(id, outcome);
      this.#retryFinishes(200);
    }
  }

  #retryFinishes(waitMs: number): void {
    if (this.#finishRetry) return;
    this.#finishRetry = setTimeout(() => {
      void (async () => {
        await this.#finishLeft();
        this.#finishRetry = null;
        if (this.#unfinished.size && !this.#stopping) this.#retryFinishes(Math.min(waitMs * 2, Math.max(1000, this.settings.leaseMs / 3)));
      })();
    }, waitMs);
    this.#finishRetry.unref();
  }

  async #finishLeft(): Promise<void> {
    for (const id of [...this.#unfinished.keys()]) await this.#finishLate(id);
  }

  /**
   * Writes a refused finish again, only over this process's own run of the row: when the outage outlasted the lease
   * (its renewals failed too), another process may have taken the row up and be running it, and a late finish must not
   * end that run. Either way the row is no longer this process's to finish.
   */
  async #finishLate(id: string): Promise<void> {
    const outcome = this.#unfinished.get(id);
    if (outcome === undefined) return;
    try {
      const mine = await this.store.finishOwnedWork(id, outcome, this.owner);
      this.#unfinished.delete(id);
      this.log.info({ work: id, outcome, mine }, mine ? 'work finished after all' : 'work taken up elsewhere meanwhile; not finished here');
    } catch {
      // Still refused: the next round tries again.
    }
  }

  /** Starts renewing leases and taking up unfinished or due work (at once: what a crash or a stop left). */
  start(): void {
    this.#stopping = false;
    const every = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    this.#heartbeat = setInterval(() => void this.store.renewWork(this.owner, Date.now() + this.settings.leaseMs).catch(() => {}), every);
    this.#heartbeat.unref();
    if (this.#unfinished.size) this.#retryFinishes(200);
    void this.poll();
  }

  /** Claims what is due and runs it (each row claimed by exactly one process). */
  poll(): Promise<void> {
    if (this.#polling) return this.#polling;
    this.#polling = (async () => {
      try {
        for (let round = 0; round < 20 && !this.#stopping; round++) {
          const rows = await this.store.claimWork(this.claim, Date.now(), 10);
          if (!rows.length) break;
          for (const row of rows) {
            // Our own lease ran out (a stalled event loop) and we took the row back: it is still running here.
            if (this.#mine.has(row.id)) continue;
            // Work that ended here but whose finish the database refused, back in our hands: finished, not run again.
            if (this.#unfinished.has(row.id)) {
              await this.#finishLate(row.id);
              continue;
            }
            this.#mine.add(row.id);
            this.log.info({ work: row.id, kind: row.kind, attempts: row.attempts, step: row.step }, 'taking up work');
            const p = this.resume(row).catch((err: Error) => {
              this.log.error({ work: row.id, err: err.message }, 'resumed work failed');
              return this.done(row.id, 'failed');
            });
            this.#running.add(p);
            void p.finally(() => this.#running.delete(p));
          }
        }
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'taking up work failed');
      } finally {
        this.#polling = null;
        if (!this.#stopping) {
          if (this.#poll) clearTimeout(this.#poll);
          this.#poll = setTimeout(() => void this.poll(), this.settings.pollMs);
          this.#poll.unref();
        }
      }
    })();
    return this.#polling;
  }

  /**
   * Graceful stop: takes nothing new, waits up to `graceMs` for `inFlight` (and resumed work) to finish, then hands back
   * what is still running: unclaimed, pending, for the next start.
   */
  async stop(graceMs: number, inFlight: Iterable<Promise<unknown>> = []): Promise<{ handedBack: number }> {
    this.#stopping = true;
    if (this.#poll) clearTimeout(this.#poll);
    await this.#polling;
    const all = Promise.allSettled([...inFlight, ...this.#running]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    const left = [...this.#mine];
    for (const id of left) await this.store.handBackWork(id, this.owner).catch(() => {});
    this.#mine.clear();
    // A last try for outcomes the database refused; what it still refuses is taken up again after its lease runs out.
    if (this.#finishRetry) clearTimeout(this.#finishRetry);
    this.#finishRetry = null;
    await this.#finishLeft();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (left.length) this.log.info({ handedBack: left.length }, 'work handed back for the next start');
    return { handedBack: left.length };
  }
}
