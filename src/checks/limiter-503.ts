import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Check } from '../pipeline/probe.js';
import type { Exchange } from '../net/record.js';
import { BASELINE_ID, describeOutcome } from '../pipeline/baseline.js';
import { proxyPage } from '../evidence/proxy-page.js';
import { sample } from '../probes/request.js';
import { sameCall } from './forbidden.js';

const ID = 'limiter-503';

export const causes = {
  limited503: defineCause({
    id: 'rate-limited-503', family: 3, severity: 'error', rank: 72, followUps: ['rate-limit'],
    title: 'A rate limiter refuses the call with 503',
    meaning: 'The call gets 503 Service Unavailable from a rate or connection limit, not from a missing backend: other calls of the same diagnosis passed, the body speaks of a limit, or it is nginx\'s own 503 page (limit_req and limit_conn answer 503 by default). OpenCX does not retry.',
    fix: 'Raise the limit for OpenCX traffic (nginx: a larger limit_req burst, keyed on the OpenCX egress IPs or x-opencx-org-id), and make the limiter answer 429 with Retry-After (nginx limit_req_status 429) so the cause is plain.',
  }),
  parallel: defineCause({
    id: 'rate-limit-parallel', family: 3, severity: 'warning', rank: 26, followUps: ['rate-limit'],
    title: 'Calls made at the same moment are denied (429/503)',
    meaning: 'The call passed, but calls sent alongside it got 429 or 503: a limiter with almost no burst, which busy hours (several customers chatting at once) will hit.',
    fix: 'Allow bursts from OpenCX (nginx: limit_req burst=… nodelay; a separate limit keyed on x-opencx-org-id).',
  }),
};

const LIMIT_WORDS = /rate.?limit|too many|throttl|quota|limit (exceeded|reached)|slow down/i;
const ok = (e: Exchange) => !!e.response && !e.error && e.response.status >= 200 && e.response.status < 300;
const denied = (e: Exchange) => e.response?.status === 429 || e.response?.status === 503;

/** Tells a limiter's 503 from a missing backend's, with the whole diagnosis's calls as evidence. */
export const limiter503Check: Check = {
  id: ID,
  causes: Object.values(causes),
  needs: [BASELINE_ID],
  assess(evidence): Finding[] {
    const base = evidence.get(BASELINE_ID)!.exchanges[0];
    if (!base?.response) return [];
    const all = sameCall(evidence, base);
    const passed = all.filter(ok);
    // The rate-limit probe's burst is sequential and named by its own finding; only calls sent alongside count here.
    const refused = all.filter((e) => denied(e) && !e.label.startsWith('burst '));
    if (ok(base) && refused.length) {
      return [finding(causes.parallel, ID, [`The call as OpenCX sends it → ${describeOutcome(base)}`, ...refused.slice(0, 4).map((e) => `${e.label}, at the same time → ${describeOutcome(e)}`)])];
    }
    const res = base.response;
    if (res.status !== 503 || res.headers['retry-after']) return []; // 503 with Retry-After: the rate-limit probe names it
    const proxy = proxyPage(base);
    if (proxy?.noBackend) return [];
    const why = passed.length
      ? `${passed.length} other call${passed.length > 1 ? 's' : ''} of this diagnosis passed (${passed.slice(0, 2).map((e) => `${e.label} → ${e.response!.status}`).join('; ')}): the backend is up`
      : LIMIT_WORDS.test(res.bodySample)
        ? 'The body speaks of a limit'
        : proxy?.software === 'nginx'
          ? 'nginx answered with its own 503 page, the default status of limit_req and limit_conn (nginx answers 502/504, not 503, when the backend is down)'
          : null;
    if (!why) return [];
    return [finding(causes.limited503, ID, [`The call as OpenCX sends it → ${describeOutcome(base)}`, why, sample(res.bodySample)], proxy ? { title: `A rate limiter (${proxy.software}) refuses the call with 503` } : {})];
  },
};
