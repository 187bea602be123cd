import type { LimitDecision, LimitsSettings } from './diagnosis-limits.js';

/** What the limits need from the store: how many diagnoses a user / a workspace started since a time. */
export interface WorkCounter {
  countWorkSince(kinds: string[], since: number, who: { requester?: string; workspace?: string }, excludeId?: string): Promise<{ count: number; oldest: number | null }>;
}

/** Anything that decides whether a diagnosis may start (in memory for one process, or counted in the database). */
export interface Limits {
  tryStart(who: { user: string; workspace: string }, endpoint: string, workId?: string): LimitDecision | Promise<LimitDecision>;
}

const COUNTED = ['diagnose', 'rerun', 'rerun-later', 'follow-up'];

/**
 * The hourly limits counted in the database, from the work rows every instance records, so two instances behind a load
 * balancer share one count. "One running diagnosis per user and endpoint" stays per process: the database knows which
 * card is running (a double click on another instance is refused through the card's work row).
 */
export class StoredDiagnosisLimits implements Limits {
  readonly #running = new Set<string>();

  constructor(private readonly settings: LimitsSettings, private readonly counter: WorkCounter, private readonly now: () => number = Date.now) {}

  async tryStart(who: { user: string; workspace: string }, endpoint: string, workId?: string): Promise<LimitDecision> {
    const key = `${who.workspace}/${who.user} ${endpoint}`;
    if (this.#running.has(key)) {
      return { ok: false, reason: 'running', message: 'A diagnosis of this endpoint that you started is still running: its card will update when it ends.' };
    }
    const hour = 3_600_000;
    const t = this.now();
    for (const [scope, limit, whose] of [
      [{ requester: who.user }, this.settings.DIAGNOSES_PER_USER_PER_HOUR, 'you'],
      [{ workspace: who.workspace }, this.settings.DIAGNOSES_PER_WORKSPACE_PER_HOUR, 'this workspace'],
    ] as const) {
      const { count, oldest } = await this.counter.countWorkSince(COUNTED, t - hour, scope, workId);
      if (count >= limit) {
        const retry = Math.max(1, Math.ceil(((oldest ?? t) + hour - t) / 1000));
        return { ok: false, reason: 'rate', retryAfterSeconds: retry, message: `${whose === 'you' ? 'You have' : 'This workspace has'} started ${limit} diagnoses in the last hour, the limit. Try again in ${Math.ceil(retry / 60)} min.` };
      }
    }
    this.#running.add(key);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (!released) this.#running.delete(key);
        released = true;
      },
    };
  }
}
