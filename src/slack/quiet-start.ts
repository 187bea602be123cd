/**
 * Starts work only once commands stop arriving (no new one for `quietMs`), or when the oldest has waited `maxWaitMs`.
 * Acks compete with diagnosis work for the CPU: during a burst, starting each diagnosis right after its ack delays the
 * acks of the commands still arriving by seconds (measured in bench/slack-ack.ts), and a late ack is a failed command
 * in Slack (3 s deadline), while a card that appears a second later is not.
 */
export class QuietStart {
  readonly #queue: { since: number; start: () => void }[] = [];
  #lastArrival = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly quietMs: number, private readonly maxWaitMs: number) {}

  /** Resolves when the caller may start its work. */
  wait(): Promise<void> {
    if (this.quietMs === 0) return Promise.resolve();
    const now = performance.now();
    this.#lastArrival = now;
    return new Promise((resolve) => {
      this.#queue.push({ since: now, start: resolve });
      // One timer for the whole queue: an arrival only moves #lastArrival, and the timer, when it fires early, sets
      // itself again for what is left (re-arming a timer per command was a cost of every ack in a burst).
      if (!this.#timer) this.#schedule(Math.min(this.quietMs, this.maxWaitMs));
    });
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, ms));
  }

  #flush(): void {
    this.#timer = null;
    const now = performance.now();
    const quiet = now - this.#lastArrival >= this.quietMs;
    const oldest = this.#queue[0];
    if (!oldest) return;
    if (quiet || now - oldest.since >= this.maxWaitMs) {
      for (const q of this.#queue.splice(0)) q.start();
      return;
    }
    this.#schedule(Math.min(this.quietMs - (now - this.#lastArrival), this.maxWaitMs - (now - oldest.since)));
  }
}
