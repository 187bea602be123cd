/** Slack Web API errors worth another try: rate limits (429, honouring Retry-After), 5xx and network failures. */
export function retryDelayMs(err: unknown, attempt: number): number | null {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number };
  const backoff = Math.min(200 * 2 ** attempt, 5_000);
  if (e?.code === 'slack_webapi_rate_limited_error') return Math.max((e.retryAfter ?? 1) * 1000, backoff);
  if (e?.code === 'slack_webapi_http_error' && (e.statusCode ?? 0) >= 500) return backoff;
  if (e?.code === 'slack_webapi_request_error') return backoff;
  return null; // ok:false platform errors (not_in_channel, invalid_blocks…) do not get better by retrying
}

/** Calls fn up to `attempts` times with bounded backoff; rethrows the last error. */
export async function withSlackRetry<T>(fn: () => Promise<T>, attempts: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = retryDelayMs(err, attempt);
      if (delay === null || attempt + 1 >= attempts) throw err;
      await sleep(delay);
    }
  }
}
