/**
 * Slack's Web API rate limits (docs.slack.dev/apis/web-api/rate-limits), applied "per API method per workspace per
 * app": Tier 1 1+/min, Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min; chat.postMessage is special: about one
 * message per second per channel, short bursts allowed. Over a limit Slack answers HTTP 429 with `Retry-After`
 * (seconds). The "+" means Slack tolerates bursts: modelled as a token bucket holding a minute's allowance that refills
 * evenly, which is the documented floor; a test that needs 429s sooner lowers `scale`.
 */

export const METHOD_TIERS: Record<string, 1 | 2 | 3 | 4 | 'post'> = {
  'chat.postMessage': 'post',
  'chat.update': 3,
  'chat.delete': 3,
  'chat.postEphemeral': 4,
  'chat.getPermalink': 4,
  'views.open': 4,
  'views.update': 4,
  'views.push': 4,
  // auth.test, chat.getPermalink and oauth.v2.access are "Special" in the method reference (a higher limit Slack does
  // not state): modelled at Tier 4's documented floor, never looser than Slack.
  'auth.test': 4,
  'auth.revoke': 3,
  'conversations.info': 3,
  'files.info': 4,
  // docs.slack.dev/reference/methods/apps.connections.open: Tier 3 (was modelled as Tier 1, stricter than Slack).
  'apps.connections.open': 3,
  'oauth.v2.access': 4,
};

export interface RateLimitSettings {
  /** Multiplies every allowance (1 = Slack's documented floors). */
  scale: number;
  /** chat.postMessage: messages per second per channel, and the burst a channel may take at once. */
  postPerSecond: number;
  postBurst: number;
}

const PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

export class RateLimiter {
  readonly settings: RateLimitSettings;
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(s: Partial<RateLimitSettings> = {}) {
    this.settings = { scale: 1, postPerSecond: 1, postBurst: 10, ...s };
  }

  /** null when the call may go ahead; otherwise the Retry-After, in whole seconds (at least 1), Slack would send. */
  take(method: string, token: string, channel: string, now = Date.now()): number | null {
    const tier = METHOD_TIERS[method] ?? 3;
    const { scale } = this.settings;
    const capacity = tier === 'post' ? this.settings.postBurst * scale : PER_MINUTE[tier] * scale;
    const perMs = tier === 'post' ? (this.settings.postPerSecond * scale) / 1000 : (PER_MINUTE[tier] * scale) / 60_000;
    const key = tier === 'post' ? `${method}|${token}|${channel}` : `${method}|${token}`;
    const b = this.#buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }
}
