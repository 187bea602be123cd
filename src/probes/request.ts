import { clip } from '../core/redact.js';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import type { Exchange } from '../net/record.js';
import { isHtml } from '../evidence/waf-fingerprint.js';
import { signInPage } from '../evidence/sign-in-page.js';
import { HEADERS_TOO_LARGE, proxyPage, recordedLength, requestHeaderBytes } from '../evidence/proxy-page.js';
import { describeOutcome, REASONS } from '../pipeline/baseline.js';

const ID = 'request';
/** Past this the AI gets a long, context-diluting text it rarely uses well (OpenCX passes the body verbatim). */
export const LARGE_BODY_BYTES = 100 * 1024;

export const causes = {
  timeout: defineCause({
    id: 'http-timeout', family: 3, severity: 'error', rank: 40,
    title: 'The endpoint does not answer within the timeout',
    meaning: 'No complete response within 60 s (or --timeout): OpenCX aborts and the AI gets 408 "Request timed out after 60000ms". There are no retries.',
    fix: 'Answer within 60 s: make the endpoint faster, or start the work and return a reference ID that a second action polls.',
  }),
  network: defineCause({
    id: 'network-error', family: 3, severity: 'error', rank: 10,
    title: 'The call fails at the network level',
    meaning: 'The connection failed or broke mid-response: the AI gets only "Something went wrong".',
    fix: 'Make the endpoint reachable from the internet over HTTPS and let it finish its response; check the server and proxy logs for resets.',
  }),
  privateAddress: defineCause({
    id: 'private-address', family: 3, severity: 'error', rank: 95,
    title: 'The endpoint is on a private or internal address',
    meaning: 'The host is, or resolves to, a loopback, private, link-local or metadata address that OpenCX cannot reach from the internet.',
    fix: 'Publish the endpoint on a public HTTPS address (or behind a public gateway) and save that URL in the action.',
  }),
  redirect: defineCause({
    id: 'redirect', family: 3, severity: 'error', rank: 60,
    title: 'The endpoint answers with a redirect',
    meaning: 'A 3xx answer: the call lands on a redirect instead of the handler, and a redirected POST usually loses its body or becomes a GET.',
    fix: 'Save the final URL (the Location shown) in the action, so no redirect is needed.',
  }),
  notFound: defineCause({
    id: 'endpoint-not-found', family: 3, severity: 'error', rank: 55,
    title: 'The endpoint answers 404 Not Found',
    meaning: 'The path (with its placeholders filled) does not exist on the server.',
    fix: 'Check the path and its {placeholders} in the action against the API; a sample value was used for each placeholder.',
  }),
  methodNotAllowed: defineCause({
    id: 'method-not-allowed', family: 3, severity: 'error', rank: 60,
    title: 'The endpoint does not accept this method (405)',
    meaning: 'The server rejects the HTTP method saved in the action.',
    fix: 'Set the action\'s method to one the endpoint allows (see the Allow header).',
  }),
  unsupportedMedia: defineCause({
    id: 'unsupported-media-type', family: 3, severity: 'error', rank: 60,
    title: 'The endpoint rejects the body format (415)',
    meaning: 'OpenCX sends JSON or multipart/form-data only; the endpoint wants something else.',
    fix: 'Accept application/json (or multipart/form-data) on this endpoint, or put an adapter in front of it.',
  }),
  serverError: defineCause({
    id: 'server-error', family: 3, severity: 'error', rank: 45,
    title: 'The endpoint fails with a server error (5xx)',
    meaning: 'The call lands but the API fails; the AI gets the status and the error body verbatim.',
    fix: 'Fix the error in the API (see its logs for this request); return a short, human-readable error body the AI can relay.',
  }),
  html: defineCause({
    id: 'html-response', family: 3, severity: 'warning', rank: 30,
    title: 'The endpoint answers with an HTML page',
    meaning: 'OpenCX gives the AI the body as text; an HTML page (often a web app catch-all or login page) is useless to it.',
    fix: 'Point the action at the JSON API route, and return JSON (application/json) from it.',
  }),
  large: defineCause({
    id: 'large-response', family: 3, severity: 'warning', rank: 30,
    title: 'The response body is very large',
    meaning: 'The AI receives the whole body as text; a large one dilutes its context and slows the answer.',
    fix: 'Return only the fields the AI needs (filter or paginate server-side).',
  }),
  signIn: defineCause({
    id: 'sign-in-page', family: 2, severity: 'error', rank: 82, followUps: ['auth'],
    title: 'The gateway answers with a sign-in page: it wants a user session',
    meaning: 'A login page (password form, identity-provider page such as Okta, Auth0, Microsoft Entra ID, Google, Keycloak or Cloudflare Access) or a redirect to one: the API sits behind single sign-on meant for people, and a machine call never has that session.',
    fix: 'Give the action a credential the gateway accepts for machine calls (a service token or API key in the Authorization global variable), or exempt the API path from the sign-in requirement.',
  }),
  payloadTooLarge: defineCause({
    id: 'payload-too-large', family: 3, severity: 'error', rank: 62,
    title: 'The server refuses the request body as too large (413)',
    meaning: 'The body OpenCX sends is larger than the server or proxy in front of it accepts (nginx client_max_body_size, 1 MB by default; a gateway payload limit).',
    fix: 'Raise the body-size limit for this path (e.g. nginx client_max_body_size) or make the action send less (fewer, shorter fields).',
  }),
  headersTooLarge: defineCause({
    id: 'request-headers-too-large', family: 3, severity: 'error', rank: 65,
    title: 'The server refuses the request headers as too large',
    meaning: 'A 431, or a 400 saying the headers are too large: a long token (a JWT with many claims) plus the x-opencx-* headers exceed the header buffer of the server or proxy (nginx large_client_header_buffers 8k, Node 16 KB, HAProxy tune.bufsize).',
    fix: 'Raise the header buffer for this path (nginx: large_client_header_buffers 4 32k; Node: --max-http-header-size) or use a shorter token (an opaque API key instead of a large JWT).',
  }),
  noBackend: defineCause({
    id: 'no-healthy-backend', family: 3, severity: 'error', rank: 52,
    title: 'The proxy in front of the API has no backend that answers',
    meaning: 'The reverse proxy or load balancer answers itself (502 Bad Gateway, 503 with its "no server available" page, 504 Gateway Timeout): the API behind it is down, unreachable from the proxy, or too slow for the proxy\'s own timeout.',
    fix: 'Start or fix the API behind the proxy (check its health checks and the upstream address/port), and raise the proxy\'s upstream timeout if the API is just slow.',
  }),
  clientError: defineCause({
    id: 'client-error', family: 3, severity: 'error', rank: 15, catchAll: true,
    title: 'The endpoint refuses the call (4xx)',
    meaning: 'A 4xx answer that no more specific check explains: the API rejects what OpenCX sends (often a body or parameter it validates); the AI gets the status and body verbatim.',
    fix: 'Compare the request shown with what the API expects (body fields, parameters, headers); the API\'s error body says what it refused.',
  }),
  slow: defineCause({
    id: 'slow-response', family: 3, severity: 'warning', rank: 20,
    title: 'The endpoint is close to the timeout',
    meaning: 'The response took more than half of the 60 s limit; a slower moment will time out, and there are no retries.',
    fix: 'Make the endpoint faster, or return a reference ID at once and let a second action poll for the result.',
  }),
};

export const requestProbe: Probe = {
  id: ID,
  title: 'The call as OpenCX makes it',
  recheckLabel: 'Send the call again',
  causes: Object.values(causes),
  async gather(ctx): Promise<Evidence> {
    // The pipeline's baseline: the same call every other probe compares against.
    const ex = await ctx.baseline;
    return { exchanges: [ex], facts: facts(ex) };
  },
  assess(ev, input): Finding[] {
    const ex = ev.exchanges[0]!;
    return assessCall(ex, input.timeoutMs);
  },
  summarize(ev) {
    const ex = ev.exchanges[0]!;
    if (!ex.response) return describeOutcome(ex);
    return `${ex.response.status} ${ex.response.contentType ?? ''} in ${Math.round(ex.timings.totalMs)} ms`.replace(/\s+/g, ' ');
  },
};

function facts(ex: Exchange): Record<string, string | number | null> {
  return {
    status: ex.response?.status ?? null,
    'content-type': ex.response?.contentType ?? null,
    'body bytes': ex.response?.bodyBytes ?? null,
    'total ms': ex.timings.totalMs,
    error: ex.error ? `${ex.error.kind}: ${ex.error.message}` : null,
  };
}

export function assessCall(ex: Exchange, timeoutMs: number): Finding[] {
  const at = `${ex.request.method} ${ex.request.url}`;
  const ms = `${Math.round(ex.timings.totalMs)} ms`;
  if (ex.error) {
    switch (ex.error.kind) {
      case 'blocked':
        return [finding(causes.privateAddress, ID, [ex.error.message])];
      case 'dns':
      case 'tls':
        return []; // the DNS and TLS probes explain these precisely
      case 'timeout':
      case 'connect-timeout':
        return [
          finding(causes.timeout, ID, [
            `${at}: no complete answer after ${ms} (limit ${timeoutMs} ms)${ex.response ? `, status ${ex.response.status} arrived but the body did not finish` : ''}`,
            `The AI sees: 408 Request timed out after ${timeoutMs}ms`,
          ]),
        ];
      default:
        return [
          finding(causes.network, ID, [
            `${at}: ${ex.error.kind} (${ex.error.code ?? 'no code'}) ${ex.error.message}${ex.response ? ` after status ${ex.response.status}` : ''}`,
            'The AI sees: Something went wrong',
          ]),
        ];
    }
  }
  const res = ex.response!;
  const out: Finding[] = [];
  const seen = `${at} → ${res.status} in ${ms}`;
  const status = `${res.status}${REASONS[res.status] ? ` ${REASONS[res.status]}` : ''}`;
  const signIn = signInPage(ex);
  const proxy = proxyPage(ex);
  const server = proxy ? `${proxy.software} answers itself` : res.headers['server'] ? `server: ${res.headers['server']}` : null;
  if (signIn) {
    out.push(finding(causes.signIn, ID, [
      seen,
      signIn.how === 'redirect to sign-in' ? `Location: ${signIn.where}` : `The page has ${signIn.how === 'password form' ? 'a password field' : `${signIn.provider} sign-in markers`}`,
      ...(signIn.provider ? [`Identity provider: ${signIn.provider}`] : []),
      sample(res.bodySample),
    ], signIn.provider ? { title: `${signIn.provider} sign-in stands in front of the API: it wants a user session` } : {}));
  } else if (res.status >= 300 && res.status < 400) {
    out.push(finding(causes.redirect, ID, [seen, `Location: ${res.headers['location'] ?? '(none)'}`], {
      fix: res.headers['location']
        ? `Save the final URL in the action (the redirect goes to ${res.headers['location']}), so no redirect is needed.`
        : causes.redirect.fix,
    }));
  } else if (res.status === 404) out.push(finding(causes.notFound, ID, [seen, sample(res.bodySample)]));
  else if (res.status === 405) {
    out.push(finding(causes.methodNotAllowed, ID, [seen, `Allow: ${res.headers['allow'] ?? '(not sent)'}`], {
      fix: res.headers['allow'] ? `Set the action's method to one the endpoint allows: ${res.headers['allow']}.` : causes.methodNotAllowed.fix,
    }));
  } else if (res.status === 415) out.push(finding(causes.unsupportedMedia, ID, [seen, `Sent content-type: ${Object.entries(ex.request.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '(none)'}`]));
  else if (res.status === 413) {
    out.push(finding(causes.payloadTooLarge, ID, [seen, `Body sent: ${ex.request.bodyBytes ?? 0} bytes`, ...(server ? [server] : []), sample(res.bodySample)], {
      ...(proxy?.software === 'nginx' ? { fix: `Raise client_max_body_size in nginx for this location (1m by default; ${ex.request.bodyBytes ?? 0} bytes were sent), or make the action send less.` } : {}),
    }));
  } else if (res.status === 431 || (res.status === 400 && HEADERS_TOO_LARGE.test(res.bodySample))) {
    const auth = Object.entries(ex.request.headers).find(([k]) => k.toLowerCase() === 'authorization');
    const authLen = auth ? recordedLength(auth[1]) : 0;
    out.push(finding(causes.headersTooLarge, ID, [
      seen,
      `Request headers sent: about ${requestHeaderBytes(ex)} bytes${auth ? `, of which Authorization ${auth[1]} (${authLen} bytes)` : ''}`,
      ...(server ? [server] : []),
      sample(res.bodySample),
    ], authLen > 2048 ? { title: `The server refuses the request headers as too large: the ${authLen}-byte token does not fit its header buffer` } : {}));
  } else if (res.status === 502 || res.status === 504 || (res.status === 503 && !res.headers['retry-after'] && proxy?.noBackend)) {
    if (proxy || res.status !== 502 || /bad gateway/i.test(res.bodySample)) {
      const what = res.status === 504 ? 'the API behind it did not answer within the proxy\'s timeout' : 'no backend behind it answers';
      out.push(finding(causes.noBackend, ID, [seen, ...(server ? [server] : []), sample(res.bodySample)], {
        title: `${proxy?.software ?? 'The proxy'} answers ${status}: ${what}`,
      }));
    } else out.push(finding(causes.serverError, ID, [seen, sample(res.bodySample)], { title: `The endpoint fails with ${status}` }));
  } else if (res.status >= 500 && !(res.status === 503 && (res.headers['retry-after'] || proxy?.software === 'nginx'))) {
    // A 503 with Retry-After, or nginx's own 503 page (limit_req's default status), is for the rate-limit checks.
    out.push(finding(causes.serverError, ID, [seen, ...(server ? [server] : []), sample(res.bodySample)], res.status === 500 ? {} : { title: `The endpoint fails with ${status}` }));
  } else if (res.status >= 400 && res.status < 500 && ![401, 403, 407, 429].includes(res.status)) {
    // 401/403/407/429 belong to the Authorization, header, IP and rate-limit checks; the pipeline names them if those cannot.
    out.push(finding(causes.clientError, ID, [seen, ...(server ? [server] : []), sample(res.bodySample)], { title: `The endpoint refuses the call with ${status}` }));
  }
  if (res.status < 300 && !signIn && isHtml(ex)) out.push(finding(causes.html, ID, [seen, `content-type: ${res.contentType ?? '(none)'}`, sample(res.bodySample)]));
  if (res.bodyTruncated || res.bodyBytes > LARGE_BODY_BYTES) {
    const size = res.bodyTruncated ? `more than ${Math.round(res.bodyBytes / 1024)} KB (stopped reading)` : `${Math.round(res.bodyBytes / 1024)} KB`;
    out.push(finding(causes.large, ID, [`${seen}: body ${size}${res.headers['content-length'] ? `, content-length ${res.headers['content-length']}` : ''}`]));
  }
  if (ex.timings.totalMs > timeoutMs / 2) out.push(finding(causes.slow, ID, [`${seen} (limit ${timeoutMs} ms)`]));
  return out;
}

export function sample(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one ? `Body: ${clip(one, 200)}` : 'Body: (empty)';
}
