/**
 * At most `perHost` requests in flight to one host (name and port), across every probe and diagnosis that shares the
 * limiter. An audit diagnoses many actions on the same API at once; without this, one host would get every probe of every
 * action together (a dozen connections per action), which looks like an attack and trips the very rate limits and WAF rules
 * the diagnosis is trying to tell apart. Enforced in net/ (exchange, handshake), where connections are opened, so no
 * probe can forget it.
 */
export class HostLimiter {
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, (() => void)[]>();
  readonly #peak = new Map<string, number>();

  constructor(readonly perHost: number) {
    if (!Number.isInteger(perHost) || perHost < 1) throw new Error('perHost must be a positive integer');
  }

  /** The key requests are counted under: host name (lowercase) and port, as a server sees them. */
  static keyOf(url: URL): string {
    const port = url.port || (url.protocol === 'http:' ? '80' : '443');
    return `${url.hostname.toLowerCase()}:${port}`;
  }

  /**
   * Waits for a slot (or until `signal` aborts: then rejects and takes no slot) and returns its release; releasing twice
   * is harmless.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if ((this.#active.get(key) ?? 0) >= this.perHost) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.#waiting.get(key) ?? [];
        this.#waiting.set(key, queue);
        const onAbort = () => {
          const i = queue.indexOf(wake);
          if (i >= 0) queue.splice(i, 1);
          reject(signal!.reason ?? new Error('aborted'));
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        queue.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.#active.set(key, (this.#active.get(key) ?? 0) + 1);
    }
    const now = this.#active.get(key)!;
    if (now > (this.#peak.get(key) ?? 0)) this.#peak.set(key, now);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.get(key)?.shift();
      // The slot passes straight to the next waiter, so nobody can slip in between.
      if (next) next();
      else {
        const left = (this.#active.get(key) ?? 1) - 1;
        if (left) this.#active.set(key, left);
        else this.#active.delete(key);
        this.#waiting.delete(key);
      }
    };
  }

  /** Runs `fn` holding a slot for `key`. */
  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** The most requests that were ever in flight at once, per host (for benches and logs). */
  peaks(): Record<string, number> {
    return Object.fromEntries(this.#peak);
  }

  inFlight(key: string): number {
    return this.#active.get(key) ?? 0;
  }
}
