import * as z from 'zod';
import { endpointKey } from '../pipeline/endpoint-key.js';

/** Abuse limits on diagnoses started from chat: every one a setting with a safe default. */
export const LimitsSettingsSchema = z.object({
  DIAGNOSES_PER_USER_PER_HOUR: z.coerce.number().int().positive().default(30),
  DIAGNOSES_PER_WORKSPACE_PER_HOUR: z.coerce.number().int().positive().default(300),
});
export type LimitsSettings = z.infer<typeof LimitsSettingsSchema>;

export type LimitDecision =
  | { ok: true; release: () => void }
  /** `at`: the running card's message, when the database knows it (it may run on another instance). */
  | { ok: false; reason: 'running'; message: string; at?: { channel: string; ts: string } }
  | { ok: false; reason: 'rate'; message: string; retryAfterSeconds: number };

/**
 * At most one running diagnosis per user and endpoint, and sliding-window counts per user and per workspace.
 * In memory: limits protect the probed endpoints from one bot process; several processes each apply their own.
 */
export class DiagnosisLimits {
  readonly #running = new Set<string>();
  readonly #starts = new Map<string, number[]>();

  constructor(
    private readonly settings: LimitsSettings,
    private readonly now: () => number = Date.now,
  ) {}

  tryStart(who: { user: string; workspace: string }, endpoint: string): LimitDecision {
    // Canonical, as the stored hold's key (diagnosisHold): another spelling of the endpoint is the same endpoint.
    const key = `${who.workspace}/${who.user} ${endpointKey(endpoint)}`;
    if (this.#running.has(key)) {
      return { ok: false, reason: 'running', message: 'A diagnosis of this endpoint that you started is still running: its card will update when it ends.' };
    }
    const hour = 3_600_000;
    const t = this.now();
    for (const [k, limit, whose] of [
      [`u:${who.workspace}/${who.user}`, this.settings.DIAGNOSES_PER_USER_PER_HOUR, 'you'],
      [`w:${who.workspace}`, this.settings.DIAGNOSES_PER_WORKSPACE_PER_HOUR, 'this workspace'],
    ] as const) {
      const recent = (this.#starts.get(k) ?? []).filter((x) => t - x < hour);
      this.#starts.set(k, recent);
      if (recent.length >= limit) {
        const retry = Math.ceil((recent[0]! + hour - t) / 1000);
        return { ok: false, reason: 'rate', retryAfterSeconds: retry, message: `${whose === 'you' ? 'You have' : 'This workspace has'} started ${limit} diagnoses in the last hour, the limit. Try again in ${Math.ceil(retry / 60)} min.` };
      }
    }
    for (const k of [`u:${who.workspace}/${who.user}`, `w:${who.workspace}`]) this.#starts.get(k)!.push(t);
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

  /**
   * Audits and watches: `n` diagnoses at once, counted against the workspace's hourly budget like `n` commands. All or
   * nothing, so an audit never stops halfway for want of budget.
   */
  tryReserve(workspace: string, n: number, what: string, _workId?: string): { ok: true } | { ok: false; message: string; retryAfterSeconds: number } {
    const hour = 3_600_000;
    const t = this.now();
    const k = `w:${workspace}`;
    const recent = (this.#starts.get(k) ?? []).filter((x) => t - x < hour);
    this.#starts.set(k, recent);
    const limit = this.settings.DIAGNOSES_PER_WORKSPACE_PER_HOUR;
    if (recent.length + n > limit) {
      const free = recent.length + n - limit;
      const retry = Math.ceil(((recent[Math.min(free, recent.length) - 1] ?? t) + hour - t) / 1000);
      return { ok: false, retryAfterSeconds: retry, message: `${what} needs ${n} diagnoses and this workspace has ${Math.max(0, limit - recent.length)} of its ${limit} an hour left. Try again in ${Math.max(1, Math.ceil(retry / 60))} min.` };
    }
    for (let i = 0; i < n; i++) recent.push(t);
    return { ok: true };
  }
}
