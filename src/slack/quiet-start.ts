/**
 * Starts work only once commands stop arriving (no new one for `quietMs`), or when the oldest has waited `maxWaitMs`;
 * then lets the waiting work start one piece per turn of the event loop, stopping again as soon as a new command
 * arrives (unless the oldest waiter is past `maxWaitMs`).
 *
 * Why: acks compete with the work of commands already acknowledged for the one thread. During a burst, starting each
 * diagnosis right after its ack delayed the acks of the commands still arriving by seconds (bench/slack-ack.ts), and a
 * late ack is a failed command in Slack (3 s deadline), while a card that appears a second later is not. Starting 200
 * diagnoses in one go was ~100 ms of card rendering and database work in one stretch: one per turn lets the requests
 * that arrive meanwhile (each turn polls for I/O before the next start) be acknowledged first.
 */
export class QuietStart {
  readonly #queue: { since: number; start: () => void }[] = [];
  #lastArrival = 0;
  #timer: NodeJS.Timeout | null = null;
  #releasing = false;

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
      if (!this.#timer && !this.#releasing) this.#schedule(Math.min(this.quietMs, this.maxWaitMs));
    });
  }

  /**
   * Resolves once no command arrived for `quietMs` (or `maxWaitMs` from now at the latest): a diagnosis about to take its
   * turn to probe waits here, so the acks of a burst that arrives while earlier diagnoses run go first.
   */
  async whenQuiet(): Promise<void> {
    if (this.quietMs === 0) return;
    const until = performance.now() + this.maxWaitMs;
    for (;;) {
      const now = performance.now();
      const left = this.quietMs - (now - this.#lastArrival);
      if (left <= 0 || now >= until) return;
      await new Promise((r) => setTimeout(r, Math.min(left, until - now)));
    }
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, ms));
  }

  /** Starts releasing when it is quiet (or the oldest waited long enough); otherwise waits for what is left. */
  #flush(): void {
    this.#timer = null;
    const oldest = this.#queue[0];
    if (!oldest) return;
    const now = performance.now();
    if (now - this.#lastArrival >= this.quietMs || now - oldest.since >= this.maxWaitMs) return this.#release(now);
    this.#schedule(Math.min(this.quietMs - (now - this.#lastArrival), this.maxWaitMs - (now - oldest.since)));
  }

  /** One waiter per turn (setImmediate runs after the turn's I/O callbacks), while no new command arrives. */
  #release(quietSince: number): void {
    this.#releasing = true;
    const next = () => {
      const oldest = this.#queue[0];
      if (!oldest) return void (this.#releasing = false);
      const now = performance.now();
      if (this.#lastArrival > quietSince && now - oldest.since < this.maxWaitMs) {
        // Commands are arriving again: their acks first; the rest starts at the next quiet moment.
        this.#releasing = false;
        return this.#schedule(Math.min(this.quietMs - (now - this.#lastArrival), this.maxWaitMs - (now - oldest.since)));
      }
      this.#queue.shift()!.start();
      setImmediate(next);
    };
    next();
  }
}
