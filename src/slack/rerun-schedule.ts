import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * "Re-run in N minutes". With a database the request is a `work` row, stored before the click is acknowledged; the
 * WorkTracker claims it when due (at start too, if it fell due while the app was down), so it runs once even with
 * several instances on one database. Here only a timer wakes the tracker at the due time. Without a database it lives
 * in a timer.
 */
export class RerunSchedule {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: Store | undefined,
    /** `by`: who asked for it; the gate checks them again when it fires, and it counts against their quota. */
    private readonly run: (cardId: string, label: string, by: string) => Promise<void>,
    private readonly log: Logger,
    /** Asks the WorkTracker to look for due work now. */
    private readonly poke: () => void = () => {},
  ) {}

  async add(cardId: string, dueAt: number, by: string, label: string): Promise<void> {
    if (this.store) await this.store.scheduleRerun(cardId, dueAt, by, label);
    clearTimeout(this.#timers.get(cardId));
    const t = setTimeout(() => {
      this.#timers.delete(cardId);
      if (this.store) return this.poke();
      this.run(cardId, label, by).catch((err: Error) => this.log.error({ card: cardId, err: err.message }, 'scheduled re-run failed'));
    }, Math.max(0, dueAt - Date.now()) + (this.store ? 20 : 0));
    t.unref();
    this.#timers.set(cardId, t);
  }

  /** Disarms the timers; stored re-runs stay for the next start. */
  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
