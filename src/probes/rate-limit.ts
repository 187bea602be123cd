import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { exchange } from '../net/exchange.js';
import type { Exchange } from '../net/record.js';
import { readRateLimit, type RateLimitFacts } from '../evidence/rate-limit-headers.js';
import { actionCall } from '../pipeline/opencx-request.js';

const ID = 'rate-limit';

export const causes = {
  limited: defineCause({
    id: 'rate-limited', family: 3, severity: 'error', rank: 70, followUps: ['rate-limit'],
    title: 'The endpoint rate-limits the call (429)',
    meaning: 'The provider or its gateway denies the call for rate limiting; OpenCX does not retry, so the AI gets the 429.',
    fix: 'Raise the limit for OpenCX traffic (key it on the x-opencx-org-id header or the OpenCX egress IPs), and check the gateway logs for denials.',
  }),
  lowRemaining: defineCause({
    id: 'rate-limit-low', family: 3, severity: 'warning', rank: 25, followUps: ['rate-limit'],
    title: 'The rate limit is almost used up',
    meaning: 'The remaining quota is low; busy hours will produce 429s that OpenCX does not retry.',
    fix: 'Raise the quota for OpenCX traffic, or give it its own partition (x-opencx-org-id).',
  }),
  burst: defineCause({
    id: 'rate-limit-burst', family: 3, severity: 'warning', rank: 25, followUps: ['rate-limit'],
    title: 'A short burst of calls is denied',
    meaning: 'A few calls in a row (as several customers chatting at once would make) start getting 429.',
    fix: 'Allow bursts from OpenCX (a larger bucket, or a separate limit keyed on x-opencx-org-id).',
  }),
};

export interface RateEvidence extends Evidence {
  first: RateLimitFacts;
  firstStatus: number | null;
  /** 1-based index of the first denied request of the burst, or null. */
  burstDeniedAt: number | null;
  burstSent: number;
}

/** A burst call is denied by a 429/503-with-Retry-After, or by a 503 after a first call that passed (nginx limit_req's default). */
function burstDenied(first: Exchange, ex: Exchange): boolean {
  const firstPassed = !!first.response && first.response.status < 300;
  return readRateLimit(ex).limited || (firstPassed && ex.response?.status === 503);
}

/** The evidence from the first call and the burst that followed it (pure, so tests feed recorded exchanges). */
export function rateEvidence(first: Exchange, burst: Exchange[]): RateEvidence {
  const deniedIdx = burst.findIndex((ex) => burstDenied(first, ex));
  const burstDeniedAt = deniedIdx === -1 ? null : deniedIdx + 1;
  const sent = deniedIdx === -1 ? burst.length : deniedIdx + 1;
  const facts = readRateLimit(first);
  return {
    exchanges: [first, ...burst.slice(0, Math.min(sent, 2)), ...(deniedIdx >= 2 ? [burst[deniedIdx]!] : [])],
    first: facts,
    firstStatus: first.response?.status ?? null,
    burstDeniedAt,
    burstSent: sent,
    facts: {
      status: first.response?.status ?? null,
      'retry-after s': facts.retryAfterSeconds,
      limit: facts.limit,
      remaining: facts.remaining,
      'burst sent': sent,
      'burst denied at': burstDeniedAt,
    },
  };
}

export const rateLimitProbe: Probe<RateEvidence> = {
  id: ID,
  title: 'Rate limiting',
  recheckLabel: 'Check the rate limit again',
  causes: Object.values(causes),
  async gather(ctx) {
    const first = await ctx.baseline;
    const burst: Exchange[] = [];
    // Sequential and capped (MAX_BURST): enough to see where denials start, never a flood.
    for (let i = 1; i <= ctx.input.burst && !ctx.signal.aborted; i++) {
      const ex = await exchange(actionCall(ctx.input, { label: `burst ${i}/${ctx.input.burst}` }), ctx.net, ctx.signal);
      burst.push(ex);
      if (burstDenied(first, ex)) break;
    }
    return rateEvidence(first, burst);
  },
  assess(ev): Finding[] {
    const f = ev.first;
    const quota = [
      f.limit !== null ? `limit ${f.limit}${f.windowSeconds ? ` per ${f.windowSeconds} s` : ''}` : null,
      f.remaining !== null ? `remaining ${f.remaining}` : null,
      f.retryAfterSeconds !== null ? `retry after ${f.retryAfterSeconds} s` : null,
    ].filter(Boolean).join(', ');
    if (f.limited) {
      return [finding(causes.limited, ID, [`The call as OpenCX sends it → ${ev.firstStatus}${quota ? ` (${quota})` : ''}`], ev.firstStatus === 429 ? {} : { title: `The endpoint rate-limits the call (${ev.firstStatus} with Retry-After)` })];
    }
    const out: Finding[] = [];
    if (ev.burstDeniedAt !== null) {
      out.push(finding(causes.burst, ID, [`${ev.burstDeniedAt - 1} calls in a row passed, call ${ev.burstDeniedAt} was denied with ${ev.exchanges.at(-1)?.response?.status ?? 429}`]));
    }
    if (f.remaining !== null && f.limit !== null && f.limit > 0 && f.remaining / f.limit < 0.1) {
      out.push(finding(causes.lowRemaining, ID, [quota]));
    }
    return out;
  },
};
