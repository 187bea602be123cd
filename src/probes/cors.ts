import { defineCause, finding, type Cause, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { exchange } from '../net/exchange.js';
import type { Exchange } from '../net/record.js';
import { actionCall, contextHeaders, fillPath } from '../pipeline/opencx-request.js';

const ID = 'cors';
/** Request headers a browser sends without a preflight (Fetch spec's CORS-safelisted names). */
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language', 'user-agent']);

const corsCause = (id: string, title: string, meaning: string, fix: string): Cause =>
  defineCause({ id, family: 3, severity: 'warning', rank: 35, title, meaning, fix });

export const causes = {
  preflightFailed: corsCause('cors-preflight-failed', 'The CORS preflight is refused',
    'The OPTIONS preflight for widget-initiated calls does not get a 2xx answer, so a browser never sends the call (widget path only).',
    'Answer OPTIONS on this path with 204 and the Access-Control-Allow-* headers for the widget origin.'),
  originNotAllowed: corsCause('cors-origin-not-allowed', 'CORS does not allow the widget origin',
    'The preflight answer does not allow the widget\'s origin, so browser-initiated calls fail (widget path only).',
    'Return Access-Control-Allow-Origin with the widget origin (or * when no credentials are used).'),
  methodNotAllowed: corsCause('cors-method-not-allowed', 'CORS does not allow the action\'s method',
    'Access-Control-Allow-Methods does not list the method, so the browser refuses the call (widget path only).',
    'Add the action\'s method to Access-Control-Allow-Methods.'),
  authorizationNotAllowed: corsCause('cors-authorization-not-allowed', 'CORS does not allow the Authorization header',
    'Access-Control-Allow-Headers does not name authorization; the wildcard * never covers Authorization, so browsers drop the call (widget path only).',
    'List authorization explicitly in Access-Control-Allow-Headers (with content-type and the x-opencx-* headers); * does not cover it.'),
  headersNotAllowed: corsCause('cors-headers-not-allowed', 'CORS does not allow headers the call carries',
    'Some request headers (e.g. x-opencx-*) are missing from Access-Control-Allow-Headers, so the browser refuses the call (widget path only).',
    'Add the listed headers to Access-Control-Allow-Headers.'),
  noCors: defineCause({
    id: 'cors-not-configured', family: 3, severity: 'info', rank: 5,
    title: 'No CORS on this endpoint (fine for server-side calls)',
    meaning: 'The endpoint sends no CORS headers. OpenCX calls actions from its servers, so this only matters for calls started from the browser widget.',
    fix: 'Nothing to do unless the action is called from the widget in the browser; then answer the preflight for the widget origin.',
  }),
};

interface CorsEvidence extends Evidence {
  origin: string;
  method: string;
  requestedHeaders: string[];
  preflight: Exchange;
  actual: Exchange;
}

const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);

export const corsProbe: Probe<CorsEvidence> = {
  id: ID,
  title: 'CORS for the widget path',
  recheckLabel: 'Check CORS for the widget',
  causes: Object.values(causes),
  async gather(ctx) {
    const { input } = ctx;
    const origin = new URL(input.widgetOrigin).origin;
    const sent = [
      ...input.headers.map((h) => h.name.toLowerCase()),
      ...contextHeaders(input).map(([n]) => n),
      ...(input.body?.kind === 'json' ? ['content-type'] : []),
    ];
    const requestedHeaders = [...new Set(sent.filter((h) => !SAFELISTED.has(h)))].sort();
    const [preflight, actual] = await Promise.all([
      exchange(
        {
          label: 'CORS preflight from the widget origin',
          method: 'OPTIONS',
          url: fillPath(input.endpoint, input.pathParams),
          headers: [
            ['origin', origin],
            ['access-control-request-method', input.method],
            ['access-control-request-headers', requestedHeaders.join(',')],
          ],
          timeoutMs: input.timeoutMs,
        },
        ctx.net,
        ctx.signal,
      ),
      exchange({ ...actionCall(input, { label: 'the call with the widget Origin' }), headers: [...actionCall(input, { label: '' }).headers, ['origin', origin]] }, ctx.net, ctx.signal),
    ]);
    return {
      exchanges: [preflight, actual],
      origin,
      method: input.method,
      requestedHeaders,
      preflight,
      actual,
      facts: {
        origin,
        'preflight status': preflight.response?.status ?? preflight.error?.kind ?? null,
        'allow-origin': preflight.response?.headers['access-control-allow-origin'] ?? null,
        'allow-methods': preflight.response?.headers['access-control-allow-methods'] ?? null,
        'allow-headers': preflight.response?.headers['access-control-allow-headers'] ?? null,
      },
    };
  },
  assess(ev): Finding[] {
    const res = ev.preflight.response;
    if (!res) return []; // the request probe reports unreachable endpoints
    const h = res.headers;
    const allowOrigin = h['access-control-allow-origin'];
    const anyCors = Object.keys(h).some((k) => k.startsWith('access-control-')) || !!ev.actual.response?.headers['access-control-allow-origin'];
    const lines = [
      `OPTIONS with Origin ${ev.origin}, Access-Control-Request-Method ${ev.method}, -Headers ${ev.requestedHeaders.join(',')} → ${res.status}`,
      `Access-Control-Allow-Origin: ${allowOrigin ?? '(none)'}`,
      `Access-Control-Allow-Methods: ${h['access-control-allow-methods'] ?? '(none)'}`,
      `Access-Control-Allow-Headers: ${h['access-control-allow-headers'] ?? '(none)'}`,
    ];
    if (!anyCors) return [finding(causes.noCors, ID, lines)];
    if (res.status < 200 || res.status >= 300) return [finding(causes.preflightFailed, ID, lines)];
    const out: Finding[] = [];
    if (allowOrigin !== '*' && allowOrigin !== ev.origin) out.push(finding(causes.originNotAllowed, ID, lines));
    const methods = list(h['access-control-allow-methods']);
    const simple = ['get', 'head', 'post'].includes(ev.method.toLowerCase());
    if (!simple && !methods.includes('*') && !methods.includes(ev.method.toLowerCase())) out.push(finding(causes.methodNotAllowed, ID, lines));
    const allowed = list(h['access-control-allow-headers']);
    const wildcard = allowed.includes('*');
    if (ev.requestedHeaders.includes('authorization') && !allowed.includes('authorization')) {
      out.push(finding(causes.authorizationNotAllowed, ID, wildcard ? [...lines, 'The wildcard * does not cover Authorization.'] : lines));
    }
    const missing = ev.requestedHeaders.filter((x) => x !== 'authorization' && !wildcard && !allowed.includes(x));
    if (missing.length) out.push(finding(causes.headersNotAllowed, ID, [...lines, `Not allowed: ${missing.join(', ')}`], { fix: `Add ${missing.join(', ')} to Access-Control-Allow-Headers.` }));
    const actualOrigin = ev.actual.response?.headers['access-control-allow-origin'];
    if (!out.length && ev.actual.response && !actualOrigin) {
      out.push(finding(causes.originNotAllowed, ID, [...lines, `The actual response (${ev.actual.response.status}) carries no Access-Control-Allow-Origin, so the browser hides it from the widget.`]));
    }
    return out;
  },
};
