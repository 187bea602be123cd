import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * "Re-run in N minutes". With a database the request is stored first and armed again at start, so a deploy or a crash in
 * between does not drop it (a re-run that fell due while the app was down runs at start); the row is claimed before
 * running, so it runs once even with several processes on one database. Without a database it lives in a timer.
 */
export class RerunSchedule {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: Store | undefined,
    /** `by`: who asked for it; the gate checks them again when it fires, and it counts against their quota. */
    private readonly run: (cardId: string, label: string, by: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  add(cardId: string, dueAt: number, by: string, label: string): void {
    this.store?.scheduleRerun(cardId, dueAt, by, label);
    this.#arm(cardId, dueAt, label, by);
  }

  /** Arms what the database still holds (called once the app is up). */
  resume(): void {
    for (const r of this.store?.pendingReruns() ?? []) this.#arm(r.cardId, r.dueAt, r.label, r.by);
  }

  /** Disarms the timers; stored re-runs stay for the next start. */
  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #arm(cardId: string, dueAt: number, label: string, by: string): void {
    clearTimeout(this.#timers.get(cardId));
    const t = setTimeout(() => {
      this.#timers.delete(cardId);
      if (this.store && !this.store.takeRerun(cardId)) return;
      this.run(cardId, label, by).catch((err: Error) => this.log.error({ card: cardId, err: err.message }, 'scheduled re-run failed'));
    }, Math.max(0, dueAt - Date.now()));
    this.#timers.set(cardId, t);
  }
}
