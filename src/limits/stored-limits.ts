import type { LimitDecision, LimitsSettings } from './diagnosis-limits.js';
import type { Store } from '../store/store.js';
import { redactUrl } from '../core/redact.js';
import { endpointKey } from '../pipeline/endpoint-key.js';

/** What the limits need from the store: how many diagnoses a user / a workspace started since a time, and booking an audit's. */
export interface WorkCounter {
  countWorkSince(kinds: string[], since: number, who: { requester?: string; workspace?: string }, excludeId?: string): Promise<{ count: number; oldest: number | null }>;
  reserveWork(id: string, units: number, budget: { workspace: string; kinds: string[]; since: number; limit: number }): Promise<{ ok: boolean; count: number; oldest: number | null }>;
  holdWork: Store['holdWork'];
  releaseHold: Store['releaseHold'];
}

/**
 * What a user's running diagnosis of one endpoint holds (work rows), so a second one is refused on every instance. The
 * key is stored, so the endpoint is in it without its credentials (the same endpoint with another key is the same one),
 * and in its canonical form (endpointKey: every spelling of one endpoint, any query, is one key).
 */
export const diagnosisHold = (workspace: string, user: string, endpoint: string) => `diagnosis:${workspace}/${user} ${redactUrl(endpointKey(endpoint))}`;

const RUNNING = 'A diagnosis of this endpoint that you started is still running: its card will update when it ends.';

/** Anything that decides whether a diagnosis may start (in memory for one process, or counted in the database). */
export interface Limits {
  tryStart(who: { user: string; workspace: string }, endpoint: string, workId?: string): LimitDecision | Promise<LimitDecision>;
  /**
   * Audits and watches: `n` diagnoses at once against the workspace's hourly budget, all or nothing. `workId`: the work
   * row of the audit or watch run, which then carries the `n` (counted in the database by every instance).
   */
  tryReserve(workspace: string, n: number, what: string, workId?: string): Reservation | Promise<Reservation>;
}

export type Reservation = { ok: true } | { ok: false; message: string; retryAfterSeconds: number };

/** A user's own diagnoses: what the per-user limit counts. */
const BY_USER = ['diagnose', 'rerun', 'rerun-later', 'follow-up'];
/** The workspace's budget also carries audits and watch runs, each weighing its number of actions. */
const BY_WORKSPACE = [...BY_USER, 'audit', 'watch-run'];

/**
 * The limits counted in the database, from the work rows every instance records, so two instances behind a load balancer
 * share them: the hourly counts, and "one running diagnosis per user and endpoint", which the diagnosis's work row holds
 * (Store.holdWork: one holder per key, serialised in the database) while it runs under a live lease. The in-process set
 * only answers this process's own repeats without a round trip; work with no row (no tracker) has only that set.
 */
export class StoredDiagnosisLimits implements Limits {
  readonly #running = new Set<string>();

  constructor(private readonly settings: LimitsSettings, private readonly counter: WorkCounter, private readonly now: () => number = Date.now) {}

  async tryStart(who: { user: string; workspace: string }, endpoint: string, workId?: string): Promise<LimitDecision> {
    // The same key in memory as in the database (the endpoint without its credentials).
    const key = diagnosisHold(who.workspace, who.user, endpoint);
    if (this.#running.has(key)) return { ok: false, reason: 'running', message: RUNNING };
    if (workId) {
      const held = await this.counter.holdWork(workId, diagnosisHold(who.workspace, who.user, endpoint));
      if (!held.ok) {
        const { channel, cardTs } = held.holder;
        return { ok: false, reason: 'running', message: RUNNING, ...(channel && cardTs ? { at: { channel, ts: cardTs } } : {}) };
      }
    }
    const hour = 3_600_000;
    const t = this.now();
    for (const [scope, kinds, limit, whose] of [
      [{ requester: who.user }, BY_USER, this.settings.DIAGNOSES_PER_USER_PER_HOUR, 'you'],
      [{ workspace: who.workspace }, BY_WORKSPACE, this.settings.DIAGNOSES_PER_WORKSPACE_PER_HOUR, 'this workspace'],
    ] as const) {
      const { count, oldest } = await this.counter.countWorkSince(kinds, t - hour, scope, workId);
      if (count >= limit) {
        // Refused after all: the hold goes, so the message a second start gets is this one, not "still running".
        if (workId) await this.counter.releaseHold(workId);
        const retry = Math.max(1, Math.ceil(((oldest ?? t) + hour - t) / 1000));
        return { ok: false, reason: 'rate', retryAfterSeconds: retry, message: `${whose === 'you' ? 'You have' : 'This workspace has'} started ${limit} diagnoses in the last hour, the limit. Try again in ${Math.ceil(retry / 60)} min.` };
      }
    }
    this.#running.add(key);
    let released: boolean = false;
    return {
      ok: true,
      release: () => {
        // The database's hold ends with the work row (finished, handed back, or its lease run out), not here: after a
        // hand-back another instance may be running this very row again under its hold.
        if (!released) this.#running.delete(key);
        released = true;
      },
    };
  }

  /**
   * Booked on the audit's or watch run's work row in one transaction with the count (every instance's work rows), so
   * its diagnoses are added to the workspace's hourly count. Without a work row it is only checked.
   */
  async tryReserve(workspace: string, n: number, what: string, workId?: string): Promise<Reservation> {
    const hour = 3_600_000;
    const t = this.now();
    const limit = this.settings.DIAGNOSES_PER_WORKSPACE_PER_HOUR;
    const budget = { workspace, kinds: BY_WORKSPACE, since: t - hour, limit };
    const { ok, count, oldest } = workId
      ? await this.counter.reserveWork(workId, n, budget)
      : await this.counter.countWorkSince(BY_WORKSPACE, t - hour, { workspace }).then((r) => ({ ...r, ok: r.count + n <= limit }));
    if (ok) return { ok: true };
    const retry = Math.max(1, Math.ceil(((oldest ?? t) + hour - t) / 1000));
    return { ok: false, retryAfterSeconds: retry, message: `${what} needs ${n} diagnoses and this workspace has ${Math.max(0, limit - count)} of its ${limit} an hour left. Try again in ${Math.max(1, Math.ceil(retry / 60))} min.` };
  }
}
