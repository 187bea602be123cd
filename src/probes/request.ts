import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { exchange } from '../net/exchange.js';
import type { Exchange } from '../net/record.js';
import { isHtml } from '../evidence/waf-fingerprint.js';
import { actionCall } from '../pipeline/opencx-request.js';

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
  causes: Object.values(causes),
  async gather(ctx): Promise<Evidence> {
    const ex = await exchange(actionCall(ctx.input, { label: 'as OpenCX sends it' }), ctx.net, ctx.signal);
    return { exchanges: [ex], facts: facts(ex) };
  },
  assess(ev, input): Finding[] {
    const ex = ev.exchanges[0]!;
    return assessCall(ex, input.timeoutMs);
  },
  summarize(ev) {
    const ex = ev.exchanges[0]!;
    if (!ex.response) return ex.error ? `${ex.error.kind}: ${ex.error.message}` : 'no answer';
    const refused = ex.response.status >= 400 ? ' (see the header, Authorization and rate-limit checks)' : '';
    return `${ex.response.status} ${ex.response.contentType ?? ''} in ${Math.round(ex.timings.totalMs)} ms${refused}`.replace(/\s+/g, ' ');
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
  if (res.status >= 300 && res.status < 400) {
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
  } else if (res.status === 415) out.push(finding(causes.unsupportedMedia, ID, [seen, `Sent content-type: ${ex.request.headers['content-type'] ?? '(none)'}`]));
  else if (res.status >= 500 && res.status !== 503) out.push(finding(causes.serverError, ID, [seen, sample(res.bodySample)]));
  if (res.status < 300 && isHtml(ex)) out.push(finding(causes.html, ID, [seen, `content-type: ${res.contentType ?? '(none)'}`, sample(res.bodySample)]));
  if (res.bodyTruncated || res.bodyBytes > LARGE_BODY_BYTES) {
    const size = res.bodyTruncated ? `more than ${Math.round(res.bodyBytes / 1024)} KB (stopped reading)` : `${Math.round(res.bodyBytes / 1024)} KB`;
    out.push(finding(causes.large, ID, [`${seen}: body ${size}${res.headers['content-length'] ? `, content-length ${res.headers['content-length']}` : ''}`]));
  }
  if (ex.timings.totalMs > timeoutMs / 2) out.push(finding(causes.slow, ID, [`${seen} (limit ${timeoutMs} ms)`]));
  return out;
}

export function sample(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one ? `Body: ${one.slice(0, 200)}${one.length > 200 ? '…' : ''}` : 'Body: (empty)';
}
