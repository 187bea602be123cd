import type { Exchange } from '../net/record.js';

export interface RateLimitFacts {
  limited: boolean;
  /** Seconds to wait, from Retry-After (delay-seconds or HTTP-date) or the draft's t= parameter. */
  retryAfterSeconds: number | null;
  limit: number | null;
  remaining: number | null;
  windowSeconds: number | null;
}

/** Reads 429/503, Retry-After, the IETF RateLimit/RateLimit-Policy draft and the de-facto X-RateLimit-* headers. */
export function readRateLimit(ex: Exchange, now = Date.now()): RateLimitFacts {
  const h = ex.response?.headers ?? {};
  const status = ex.response?.status;
  const retry = parseRetryAfter(h['retry-after'], now);
  const draft = parseDraft(h['ratelimit'] ?? '');
  const policy = parseDraft(h['ratelimit-policy'] ?? '');
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null);
  const remaining = draft.r ?? num(h['ratelimit-remaining']) ?? num(h['x-ratelimit-remaining']);
  const limit = policy.q ?? num(h['ratelimit-limit']) ?? num(h['x-ratelimit-limit']);
  return {
    limited: status === 429 || (status === 503 && retry !== null),
    retryAfterSeconds: retry ?? draft.t ?? null,
    limit,
    remaining,
    windowSeconds: policy.w ?? null,
  };
}

function parseRetryAfter(v: string | undefined, now: number): number | null {
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - now) / 1000));
}

/** `"default";r=50;t=30` → { r: 50, t: 30 } (first item of the structured-field list). */
function parseDraft(v: string): Record<string, number | undefined> {
  const first = v.split(',')[0] ?? '';
  const out: Record<string, number | undefined> = {};
  for (const part of first.split(';').slice(1)) {
    const [k, val] = part.split('=').map((s) => s.trim());
    if (k && val && /^\d+$/.test(val)) out[k] = Number(val);
  }
  return out;
}
