import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { SlackMessage } from '../render/blocks.js';
import { withSlackRetry } from './retry.js';
import { crashPoint } from '../core/crash-point.js';

/**
 * Updates one card in place as probes finish, at most once per interval, never two updates at a time, so a burst of
 * probe events becomes a few chat.update calls. The final verdict is sent with retries, and if the card still cannot be
 * updated it is posted once as a new message.
 */
export class CardUpdater {
  #pending: SlackMessage | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #lastSent = 0;
  #closed = false;

  constructor(
    private readonly client: WebClient,
    private readonly channel: string,
    private readonly ts: string,
    private readonly intervalMs: number,
    private readonly attempts: number,
  ) {}

  /** Progress: best effort, coalesced. */
  progress(msg: SlackMessage): void {
    if (this.#closed) return;
    this.#pending = msg;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastSent + this.intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const m = this.#pending;
      this.#pending = null;
      if (!m || this.#closed) return;
      this.#lastSent = Date.now();
      this.#inFlight = this.#inFlight.then(() => this.#update(m, 1).then(() => crashPoint('card:while-updating'), () => {}));
    }, wait);
  }

  /** The verdict: retried; falls back to posting it anew. Resolves with where the verdict ended up. */
  async final(msg: SlackMessage, threadTs?: string): Promise<{ ts: string; replaced: boolean }> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight;
    try {
      await this.#update(msg, this.attempts);
      return { ts: this.ts, replaced: false };
    } catch {
      const posted = await withSlackRetry(
        () => this.client.chat.postMessage({ channel: this.channel, text: msg.text, blocks: msg.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }),
        this.attempts,
      );
      return { ts: String(posted.ts), replaced: true };
    }
  }

  #update(msg: SlackMessage, attempts: number): Promise<void> {
    return withSlackRetry(() => this.client.chat.update({ channel: this.channel, ts: this.ts, text: msg.text, blocks: msg.blocks }), attempts).then(() => {});
  }
}
