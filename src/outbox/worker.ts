import type { Store, OutboxRow } from '../store/store.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { crashPoint } from '../core/crash-point.js';
import { permanentFailure } from './permanent.js';

export type Sender = (payload: any) => Promise<void>;

export interface WorkerOptions {
  store: Store;
  senders: Record<string, Sender>;
  logger?: Logger;
  /** First retry delay; doubles per attempt up to maxDelayMs, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollMs?: number;
  /** How long a claimed message is reserved before another worker may take it (a crash mid-send). */
  leaseMs?: number;
  /** Failures (none of them permanent) after which a message is dead all the same: nothing is retried for ever. */
  maxAttempts?: number;
}

/**
 * Delivers the outbox: messages committed with the ticket are sent after, retried with bounded backoff until they go
 * through (a Slack outage, a restart). A message marked sent is never sent again.
 */
export class OutboxWorker {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  /**
   * Sent (Slack answered) but not marked: the database refused markSent. Kept so that this worker marks them when the
   * database answers instead of sending them again once their lease runs out (sending twice within one process, with no
   * crash at all). Another instance taking the row up meanwhile is the at-least-once window the README states.
   */
  readonly #sentUnmarked = new Set<number>();
  readonly #o: Required<Omit<WorkerOptions, 'logger'>> & { logger: Logger };

  constructor(opts: WorkerOptions) {
    // 40 failures at the 5-minute ceiling: about 3 hours of an outage waited out before a message is given up.
    this.#o = { baseDelayMs: 1000, maxDelayMs: 300_000, pollMs: 1000, leaseMs: 60_000, maxAttempts: 40, logger: silentLogger, ...opts };
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  /** Send what is due now (called after a commit, so a new ticket goes out at once). */
  kick(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      this.#schedule();
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.kick(), this.#o.pollMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    for (const id of [...this.#sentUnmarked]) await this.#mark(id).catch(() => {});
    for (let round = 0; round < 100; round++) {
      const rows = await this.#o.store.claimDue(Date.now(), 20, this.#o.leaseMs);
      if (!rows.length) return;
      for (const row of rows) await this.#deliver(row);
    }
  }

  async #mark(id: number): Promise<void> {
    await this.#o.store.markSent(id);
    this.#sentUnmarked.delete(id);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    // Sent already by this worker; only its mark was refused (and its lease ran out): marked, never sent again.
    if (this.#sentUnmarked.has(row.id)) return this.#mark(row.id).catch(() => {});
    const send = this.#o.senders[row.kind];
    let sent = false;
    try {
      if (!send) throw new Error(`no sender for ${row.kind}`);
      await send(row.payload);
      sent = true;
      // The one window with no exactly-once: Slack answered, the row is not marked yet. A crash here sends it again
      // (Slack has no idempotency key), so delivery is at-least-once for this step only.
      crashPoint('post:before-mark-sent');
      await this.#o.store.markSent(row.id);
    } catch (err) {
      if (sent) {
        // Not a failed delivery: Slack has it. Backing off and sending again would post it twice.
        this.#sentUnmarked.add(row.id);
        this.#o.logger.error({ outbox: row.id, kind: row.kind, err: (err as Error).message }, 'sent, but marking it sent failed; marked when the database answers');
        return;
      }
      const message = (err as Error).message ?? String(err);
      const permanent = permanentFailure(row.kind, err);
      if (permanent || row.attempts + 1 >= this.#o.maxAttempts) {
        const why = permanent ?? `gave up after ${row.attempts + 1} attempts`;
        await this.#o.store.markDead(row.id, `${why}: ${message}`).catch(() => {});
        this.#o.logger.error({ outbox: row.id, kind: row.kind, key: row.dedupeKey, attempt: row.attempts + 1, err: message, why }, 'outbox message dead: not sent, and never retried');
        await this.#notice(row, why);
        return;
      }
      const exp = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** row.attempts);
      // A refusal that says when to come back (Slack's 429 carries Retry-After, seconds) is tried again then: earlier
      // would be refused again, and the doubling backoff would wait far longer than Slack asked after a few 429s.
      const after = (err as { retryAfter?: unknown }).retryAfter;
      const delay = typeof after === 'number' && Number.isFinite(after) && after >= 0 ? Math.min(this.#o.maxDelayMs, Math.max(1000, after * 1000)) : exp / 2 + Math.random() * (exp / 2);
      await this.#o.store.markFailed(row.id, Date.now() + delay, message).catch(() => {});
      this.#o.logger.warn({ outbox: row.id, kind: row.kind, attempt: row.attempts + 1, retryInMs: Math.round(delay), err: message }, 'outbox delivery failed');
    }
  }

  /**
   * Someone is waiting where a refused Slack message was going (a card's channel, a watch's channel, a ticket's thread):
   * one short text-only post there says a message was refused, why, and what it was (its fallback line), so a watch's
   * transition is never lost without a word. Not when the place itself is gone (archived, the bot removed, the token
   * revoked): nothing can be posted there. Once, never retried.
   */
  async #notice(row: OutboxRow, why: string): Promise<void> {
    const p = row.payload as { channel?: unknown; ts?: unknown; thread_ts?: unknown; text?: unknown; team?: unknown } | null;
    const send = this.#o.senders['slack.post'];
    if (!send || !row.kind.startsWith('slack.') || typeof p?.channel !== 'string' || !/payload/.test(why)) return;
    const what = typeof p.text === 'string' && p.text ? ` It said: "${p.text.replace(/\s+/g, ' ').slice(0, 300)}${p.text.length > 300 ? '…' : ''}"` : '';
    const thread = row.kind === 'slack.update' ? p.ts : p.thread_ts;
    const text = `:warning: action-debug could not post a message here: Slack refused it (${why}).${what} The full message is in action-debug's log (outbox #${row.id}).`;
    try {
      await send({ ...(typeof p.team === 'string' ? { team: p.team } : {}), channel: p.channel, ...(typeof thread === 'string' ? { thread_ts: thread } : {}), text });
    } catch (err) {
      this.#o.logger.error({ outbox: row.id, err: (err as Error).message }, 'the notice of a refused message was refused too');
    }
  }
}
