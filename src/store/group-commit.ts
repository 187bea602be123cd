import type { Db } from './db.js';

/** The most writes one commit takes. */
const MAX_BATCH = 16;

interface Pending<T> {
  write: () => T;
  resolve: (v: T) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes asked for during one turn of the event loop are committed together, in one transaction, at the
 * end of that turn (setImmediate: after the I/O callbacks of the turn). Each caller's promise settles only after the
 * COMMIT, so whoever acknowledges after it still acknowledges durable work. Why: a command is recorded before its ack,
 * and 200 commands arriving at once paid 200 commits (~100 µs each here, a third of the app's CPU per ack above bare
 * Bolt's); one commit per turn pays one. A single write waits one loop turn longer, no more.
 */
export class GroupCommit {
  #queue: Pending<unknown>[] = [];
  #scheduled = false;

  constructor(private readonly db: Db) {}

  /** Runs `write` inside the turn's transaction; resolves with its result once that transaction is committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve, reject } as Pending<unknown>);
      // A full batch is committed at once: in a burst one turn can hold every request, and the first would otherwise
      // wait for the last one's parse; 16 already pays 1/16 of the commits.
      if (this.#queue.length >= MAX_BATCH) return this.#flush();
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    if (!this.#queue.length) return;
    const batch = this.#queue;
    this.#queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      // IMMEDIATE: the write lock is taken at BEGIN (waiting busy_timeout for another process), not half-way through.
      this.db.transaction(() => {
        for (const p of batch) {
          try {
            // Each write in a savepoint of its own (a nested better-sqlite3 transaction): a write that fails half-way
            // is undone whole and the others stand; an error that ended the whole transaction (disk full, I/O) fails
            // every write of the batch, below.
            outcomes.push({ ok: true, value: this.db.transaction(p.write)() });
          } catch (err) {
            if (!this.db.inTransaction) throw err;
            outcomes.push({ ok: false, err });
          }
        }
      }).immediate();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.err);
    });
  }
}
