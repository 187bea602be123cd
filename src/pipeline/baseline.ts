import { clip } from '../core/redact.js';
import { exchange } from '../net/exchange.js';
import type { NetOptions } from '../net/options.js';
import type { Exchange } from '../net/record.js';
import { isHtml } from '../evidence/waf-fingerprint.js';
import { defineCause, finding, type Finding } from './finding.js';
import type { EndpointInput } from './input.js';
import { actionCall } from './opencx-request.js';

/** The label of the one call made exactly as OpenCX makes it; every probe that needs it reads the same exchange. */
export const BASELINE_LABEL = 'as OpenCX sends it';
/** Evidence key under which checks find the baseline. */
export const BASELINE_ID = 'baseline';

/**
 * The call as OpenCX sends it, made once per diagnosis and shared: probes that sent it themselves could each get a
 * different answer (a rate limiter letting one through, a flaky backend) and disagree about what OpenCX sees.
 */
export function gatherBaseline(input: EndpointInput, net: NetOptions, signal: AbortSignal): Promise<Exchange> {
  return exchange(actionCall(input, { label: BASELINE_LABEL }), net, signal);
}

/** Usable by the AI: a complete 2xx answer that is not a web page. Anything else is a failure that needs a cause. */
export function baselineUsable(ex: Exchange): boolean {
  const s = ex.response?.status;
  return !ex.error && s !== undefined && s >= 200 && s < 300 && !isHtml(ex);
}

/** One line naming what the baseline got: "403 Forbidden (text/html, server nginx)" or "reset: socket hang up". */
export function describeOutcome(ex: Exchange): string {
  if (!ex.response) return ex.error ? `${ex.error.kind}${ex.error.code ? ` (${ex.error.code})` : ''}: ${ex.error.message}` : 'no answer';
  const r = ex.response;
  const extra = [r.contentType, r.headers['server'] ? `server ${r.headers['server']}` : null].filter(Boolean).join(', ');
  const err = ex.error ? `, then ${ex.error.kind}: ${ex.error.message}` : '';
  return `${r.status}${REASONS[r.status] ? ` ${REASONS[r.status]}` : ''}${extra ? ` (${extra})` : ''}${err}`;
}

/**
 * The last line of the guarantee: when no probe or check explained a baseline that failed, the verdict still names
 * the failure (status, server, body) instead of "no problem found". Rank 0: anything specific wins.
 */
export const callFailedCause = defineCause({
  id: 'call-failed', family: 3, severity: 'error', rank: 0, catchAll: true,
  title: 'The call as OpenCX makes it fails',
  meaning: 'The call did not get a usable 2xx answer and no more specific cause matched: the status or network error, the server and the body are shown as evidence.',
  fix: 'Make the endpoint answer this exact request with a 2xx JSON body; the evidence shows what it answers instead (check the server and proxy logs for this request).',
});

export function callFailedFinding(ex: Exchange): Finding {
  const body = ex.response?.bodySample.replace(/\s+/g, ' ').trim() ?? '';
  return finding(callFailedCause, BASELINE_ID, [
    `${ex.request.method} ${ex.request.url} → ${describeOutcome(ex)}`,
    ...(ex.response ? [body ? `Body: ${clip(body, 200)}` : 'Body: (empty)'] : []),
  ], { title: `The call as OpenCX makes it fails: ${describeOutcome(ex).split(' (')[0]}` });
}

/** Reason phrases (RFC 9110 and common extensions), so a verdict names the status in words too. */
export const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content',
  423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported', 507: 'Insufficient Storage', 508: 'Loop Detected', 511: 'Network Authentication Required',
};
