import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { exchange } from '../net/exchange.js';
import type { Exchange } from '../net/record.js';
import { isBlocked, wafFingerprint } from '../evidence/waf-fingerprint.js';
import { actionCall, BROWSER_USER_AGENT } from '../pipeline/opencx-request.js';
import { sample } from './request.js';
import { describeOutcome } from '../pipeline/baseline.js';

const ID = 'header-blocking';

export const causes = {
  contextHeaders: defineCause({
    id: 'waf-blocks-opencx-headers', family: 2, severity: 'error', rank: 85, followUps: ['header-blocking'],
    title: 'A WAF or middleware blocks the x-opencx-* headers',
    meaning: 'The same request passes without the x-opencx-* context headers and is refused with them: production calls carry them, the Test call carries placeholders.',
    fix: 'Allow request headers matching x-opencx-* through the WAF/middleware rule that blocks them (or ask OpenCX support to turn the context headers off).',
  }),
  userAgent: defineCause({
    id: 'waf-blocks-user-agent', family: 2, severity: 'error', rank: 85, followUps: ['header-blocking'],
    title: 'A WAF or bot rule blocks the OpenCX User-Agent',
    meaning: 'Requests with "User-Agent: OpenCX" are refused, the same request with a browser User-Agent passes.',
    fix: 'Add an allow rule for User-Agent "OpenCX" (together with the OpenCX egress IPs from support) in the WAF/bot protection.',
  }),
  edgeBlock: defineCause({
    id: 'waf-block', family: 2, severity: 'error', rank: 75, followUps: ['header-blocking'],
    title: 'A WAF in front of the API blocks the call',
    meaning: 'A block page from an edge WAF comes back whatever headers are sent: the call never reaches the API.',
    fix: 'Add an allow rule for OpenCX traffic (User-Agent "OpenCX", the egress IPs from support) on the path of this action.',
  }),
};

export interface HeaderEvidence extends Evidence {
  asOpenCx: Exchange;
  withoutContext: Exchange;
  browserUa: Exchange;
}

/** The evidence from the three calls (pure, so tests feed recorded exchanges). */
export function headerEvidence(asOpenCx: Exchange, withoutContext: Exchange, browserUa: Exchange): HeaderEvidence {
  const line = (e: Exchange) => (e.response ? String(e.response.status) : e.error?.kind ?? '?');
  return {
    exchanges: [asOpenCx, withoutContext, browserUa],
    asOpenCx,
    withoutContext,
    browserUa,
    facts: {
      'as OpenCX': line(asOpenCx),
      'without x-opencx-*': line(withoutContext),
      'browser User-Agent': line(browserUa),
      WAF: wafFingerprint(asOpenCx) ?? wafFingerprint(withoutContext) ?? null,
    },
  };
}

export const headerBlockingProbe: Probe<HeaderEvidence> = {
  id: ID,
  title: 'x-opencx-* headers and User-Agent',
  recheckLabel: 'Test without x-opencx headers',
  causes: Object.values(causes),
  async gather(ctx) {
    const [asOpenCx, withoutContext, browserUa] = await Promise.all([
      ctx.baseline,
      exchange(actionCall(ctx.input, { label: 'without x-opencx-* headers', context: false }), ctx.net, ctx.signal),
      exchange(actionCall(ctx.input, { label: 'without x-opencx-* headers, browser User-Agent', context: false, userAgent: BROWSER_USER_AGENT }), ctx.net, ctx.signal),
    ]);
    return headerEvidence(asOpenCx, withoutContext, browserUa);
  },
  assess(ev): Finding[] {
    const { asOpenCx: a, withoutContext: b, browserUa: c } = ev;
    const passes = (e: Exchange) => !!e.response && !e.error && !isBlocked(e) && e.response.status < 500;
    // Refused: a block status or page, or a connection dropped after the request went out (the handshake finished,
    // then a reset, an abort or silence). Some WAFs and bot rules drop the connection instead of answering.
    const dropped = (e: Exchange) => !e.response && !!e.error && e.tls !== null && ['reset', 'timeout', 'other'].includes(e.error.kind);
    const refused = (e: Exchange) => (!!e.response && isBlocked(e)) || dropped(e);
    const vendor = wafFingerprint(a) ?? wafFingerprint(b);
    const by = vendor ? ` (${vendor} block page)` : '';
    const evidence = [
      `With x-opencx-* headers and User-Agent OpenCX: ${describeOutcome(a)}${by}`,
      `Without x-opencx-* headers: ${describeOutcome(b)}`,
      `Without them and with a browser User-Agent: ${describeOutcome(c)}`,
    ];
    const body = (e: Exchange) => (e.response ? [sample(e.response.bodySample)] : []);
    const how = (e: Exchange) => (dropped(e) ? ' by dropping the connection' : '');
    if (refused(a) && passes(b)) {
      return [finding(causes.contextHeaders, ID, [...evidence, ...body(a)], vendor ? { title: `${vendor} blocks the x-opencx-* headers` } : how(a) ? { title: `A WAF or middleware blocks the x-opencx-* headers${how(a)}` } : {})];
    }
    if (refused(a) && refused(b) && passes(c)) {
      return [finding(causes.userAgent, ID, [...evidence, ...body(b)], vendor ? { title: `${vendor} blocks the OpenCX User-Agent` } : how(b) ? { title: `A WAF or bot rule blocks the OpenCX User-Agent${how(b)}` } : {})];
    }
    if (vendor && a.response && isBlocked(a) && isBlocked(b) && isBlocked(c)) {
      return [finding(causes.edgeBlock, ID, [...evidence, sample(a.response.bodySample)], { title: `${vendor} blocks the call before it reaches the API` })];
    }
    return [];
  },
};
