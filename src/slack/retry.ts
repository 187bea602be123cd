/** Slack Web API errors worth another try: rate limits (429, honouring Retry-After), 5xx and network failures. */
export function retryDelayMs(err: unknown, attempt: number): number | null {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number };
  const backoff = Math.min(200 * 2 ** attempt, 5_000);
  if (isRateLimited(err)) return Math.max((e.retryAfter ?? 1) * 1000, 0);
  if (e?.code === 'slack_webapi_http_error' && (e.statusCode ?? 0) >= 500) return backoff;
  if (e?.code === 'slack_webapi_request_error') return backoff;
  return null; // ok:false platform errors (not_in_channel, invalid_blocks…) do not get better by retrying
}

export function isRateLimited(err: unknown): boolean {
  return (err as { code?: string })?.code === 'slack_webapi_rate_limited_error';
}

/** The `error` code of a Slack platform error (`not_in_channel`…), if that is what it is. */
export function slackErrorCode(err: unknown): string | undefined {
  return (err as { data?: { error?: string } })?.data?.error;
}

/**
 * Errors that say the bot cannot post where it was asked: not a member, the conversation hidden from it, archived.
 * `is_inactive` is chat.update's word for the last ("The message cannot be edited within a frozen, archived or deleted
 * channel", docs.slack.dev/reference/methods/chat.update); chat.postMessage says is_archived.
 */
export const MEMBERSHIP_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'is_inactive']);
/** The channel is archived (or frozen): no post or update will ever go through there. */
export const isArchivedCode = (code: string | undefined) => code === 'is_archived' || code === 'is_inactive';
export const isMembershipError = (err: unknown) => MEMBERSHIP_ERRORS.has(slackErrorCode(err) ?? '');

export interface RetryPolicy {
  /** Attempts for 5xx and network failures. */
  attempts: number;
  /** How long 429s are waited out, each time for its Retry-After (Slack's rate limits pass; an outage does not). */
  rateLimitWindowMs?: number;
}

/**
 * Calls fn with bounded backoff; rethrows the last error. 429s do not use up attempts: they are retried after their
 * Retry-After for as long as the rate-limit window allows (a rate limit is Slack saying "later", not "no").
 */
export async function withSlackRetry<T>(fn: () => Promise<T>, policy: number | RetryPolicy, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  const { attempts, rateLimitWindowMs = 0 } = typeof policy === 'number' ? { attempts: policy } : policy;
  const until = Date.now() + rateLimitWindowMs;
  for (let attempt = 0, failures = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = retryDelayMs(err, attempt);
      if (delay === null) throw err;
      if (isRateLimited(err)) {
        if (rateLimitWindowMs > 0 ? Date.now() + delay > until : ++failures >= attempts) throw err;
      } else if (++failures >= attempts) throw err;
      await sleep(delay);
    }
  }
}
