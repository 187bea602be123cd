import type { webApi } from '@slack/bolt';
import type { SlackMessage } from '../render/blocks.js';
import { isRateLimited, withSlackRetry, type RetryPolicy } from './retry.js';

type WebClient = webApi.WebClient;
import { crashPoint } from '../core/crash-point.js';

/** Where a card's verdict ended up. */
export type VerdictPlace = { on: 'card'; ts: string } | { on: 'thread'; ts: string };

/**
 * Updates one card in place as probes finish, at most once per interval, never two updates at a time, so a burst of
 * probe events becomes a few chat.update calls; a 429 pauses progress for its Retry-After. The verdict is retried
 * (429s for the whole rate-limit window); when the card still cannot be updated, the verdict is posted in the card's
 * thread and the card, once Slack lets us, says where it went. Membership errors (the bot removed, the channel
 * archived) are thrown to the caller, which finds the requester another way.
 */
export class CardUpdater {
  #pending: SlackMessage | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #lastSent = 0;
  #pausedUntil = 0;
  #closed = false;

  constructor(
    private readonly client: WebClient,
    private readonly channel: string,
    private readonly ts: string,
    private readonly intervalMs: number,
    private readonly policy: RetryPolicy,
  ) {}

  /** Progress: best effort, coalesced. */
  progress(msg: SlackMessage): void {
    if (this.#closed) return;
    this.#pending = msg;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastSent + this.intervalMs - Date.now(), this.#pausedUntil - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const m = this.#pending;
      this.#pending = null;
      if (!m || this.#closed) return;
      this.#lastSent = Date.now();
      this.#inFlight = this.#inFlight.then(() =>
        this.#update(m, { attempts: 1 }).then(
          () => crashPoint('card:while-updating'),
          (err) => {
            if (isRateLimited(err)) this.#pausedUntil = Date.now() + ((err as { retryAfter?: number }).retryAfter ?? 1) * 1000;
          },
        ),
      );
    }, wait);
  }

  /** The verdict on the card; `pointer` is what the card says if the verdict had to go to the thread instead. */
  async final(msg: SlackMessage, pointer: SlackMessage): Promise<VerdictPlace> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight;
    try {
      await this.#update(msg, this.policy);
      return { on: 'card', ts: this.ts };
    } catch (err) {
      if (!isRateLimited(err) && (err as { code?: string }).code === 'slack_webapi_platform_error') throw err;
    }
    // chat.update stayed rate-limited (or Slack failed) for the whole window: chat.postMessage is limited apart.
    const posted = await withSlackRetry(() => this.client.chat.postMessage({ channel: this.channel, thread_ts: this.ts, text: msg.text, blocks: msg.blocks }), this.policy);
    // The card must not stay at "Diagnosing…": keep trying, in the background, to say where the verdict is.
    void this.#update(pointer, this.policy).catch(() => {});
    return { on: 'thread', ts: String(posted.ts) };
  }

  #update(msg: SlackMessage, policy: RetryPolicy): Promise<void> {
    return withSlackRetry(() => this.client.chat.update({ channel: this.channel, ts: this.ts, text: msg.text, blocks: msg.blocks }), policy).then(() => {});
  }
}
