import tls from 'node:tls';
import { trustOptions } from './trust.js';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { Secret } from '../core/secret.js';
import { clipBytes, redactHeaderValue, redactText, redactUrl, rememberUrlSecrets } from '../core/redact.js';
import { errorLine } from '../core/error-line.js';
import { checkLiteral, guardedLookup, type LookupRecord } from './guarded-lookup.js';
import { readTls } from './tls-facts.js';
import type { NetOptions } from './options.js';
import { HostLimiter } from './host-limiter.js';
import type { Exchange, NetErrorKind, TlsFacts } from './record.js';
import { monotonicMs } from '../core/clock.js';

// Taken with getBuiltinModule, not `import`: the ESM view of node:http reads every export, and its lazy WebSocket ones
// load Node's whole internal fetch stack (about 20 ms at a CLI's start) that a probe never uses.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

export type HeaderValue = string | Secret;

/** How much of a response body the evidence keeps. */
const BODY_SAMPLE_BYTES = 2048;

export interface ExchangeRequest {
  /** Why this request is sent, shown in details ("as OpenCX sends it", "without x-opencx-* headers"). */
  label: string;
  method: string;
  url: string;
  headers: [string, HeaderValue][];
  body?: string | FormData;
  timeoutMs: number;
  /**
   * TLS options for protocol probes: only these, so no caller can pass a `lookup`, `host` or `socket` that would go
   * around the guarded lookup.
   */
  tlsOptions?: Pick<tls.ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'>;
}

/** Evidence of one request: each phase timed, the TLS facts kept, secrets redacted, never a throw. */
export async function exchange(req: ExchangeRequest, net: NetOptions, outer?: AbortSignal): Promise<Exchange> {
  return (await exchangeWithBody(req, net, outer)).record;
}

/** The same, also handing back the body bytes read (up to the cap), for callers that need the document itself. */
export async function exchangeWithBody(
  req: ExchangeRequest,
  net: NetOptions,
  outer?: AbortSignal,
): Promise<{ record: Exchange; body: Buffer }> {
  // The URL's credentials (a ?api_key=…) are remembered again as the newest wherever a request is sent, as a Secret's
  // reveal() does for a header: a Re-run hours later, after thousands of other secrets, still has its echo scrubbed.
  rememberUrlSecrets(req.url);
  // Politeness first (audits share one limiter): the wait for a slot is not part of the call, so the timings and the
  // request's own timeout start once the slot is ours. A diagnosis deadline (outer) still ends the wait.
  let release: (() => void) | null = null;
  if (net.hostLimiter) {
    try {
      release = await net.hostLimiter.acquire(HostLimiter.keyOf(new URL(req.url)), outer);
    } catch (err) {
      return { record: notSent(req, err), body: Buffer.alloc(0) };
    }
  }
  try {
    return await exchangeHoldingSlot(req, net, outer);
  } finally {
    release?.();
  }
}

/** What a request that never left (its slot wait was cut short) leaves as evidence. */
function notSent(req: ExchangeRequest, err: unknown): Exchange {
  return {
    label: req.label,
    request: { method: req.method, url: redactUrl(req.url), headers: {} },
    address: null,
    response: null,
    error: { kind: 'other', code: 'ABORT_ERR', message: `not sent: ${errorLine(err)}` },
    tls: null,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 },
  };
}

async function exchangeHoldingSlot(req: ExchangeRequest, net: NetOptions, outer?: AbortSignal): Promise<{ record: Exchange; body: Buffer }> {
  let body = Buffer.alloc(0);
  const t0 = monotonicMs();
  const lookup: LookupRecord = { dnsMs: null, addresses: [], address: null };
  const phase = { connectAt: null as number | null, secureAt: null as number | null, headersAt: null as number | null };
  let tlsFacts: TlsFacts | null = null;

  const sentHeaders: Record<string, string> = {};
  const wireHeaders: [string, string][] = [];
  for (const [name, value] of req.headers) {
    const raw = value instanceof Secret ? value.reveal() : value;
    wireHeaders.push([name, raw]);
    sentHeaders[name] = value instanceof Secret ? value.describe() : redactHeaderValue(name, raw);
  }
  const bodyBytes = typeof req.body === 'string' ? Buffer.byteLength(req.body) : undefined;

  const record: Exchange = {
    label: req.label,
    request: { method: req.method, url: redactUrl(req.url), headers: sentHeaders, ...(bodyBytes !== undefined ? { bodyBytes } : {}) },
    address: null,
    response: null,
    error: null,
    tls: null,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 },
  };

  // OpenCX aborts the whole call (connect, headers and body) after its timeout: so do we.
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = outer ? AbortSignal.any([deadline, outer]) : deadline;
  const sent: { req: ClientRequest | null } = { req: null };
  try {
    const url = new URL(req.url);
    const refused = checkLiteral(url.hostname.replace(/^\[|\]$/g, ''), net, lookup);
    if (refused) throw refused;
    const payload = await encodeBody(req.body);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (sent.req = send(url, req, net, wireHeaders, payload, lookup, signal));
      r.once('socket', (socket: Socket) => {
        socket.once('connect', () => (phase.connectAt = monotonicMs()));
        socket.once('secureConnect', () => {
          phase.secureAt = monotonicMs();
          tlsFacts = readTls(socket as tls.TLSSocket, tlsServername(url));
        });
      });
      // A connection that is not up (TCP, and TLS on https) within the connect timeout is given up on, as OpenCX does.
      const connectTimer = setTimeout(() => {
        if (phase.secureAt === null && (url.protocol === 'https:' || phase.connectAt === null)) r.destroy(connectTimeout(Math.min(net.connectTimeoutMs, req.timeoutMs)));
      }, Math.min(net.connectTimeoutMs, req.timeoutMs));
      r.once('close', () => clearTimeout(connectTimer));
      r.once('response', (m) => {
        clearTimeout(connectTimer);
        resolve(m);
      });
      r.once('error', (err) => {
        clearTimeout(connectTimer);
        reject(err);
      });
      r.end(payload?.bytes);
    });
    phase.headersAt = monotonicMs();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      // The name too: an endpoint can put what it echoes anywhere in its answer, a header's name included.
      headers[redactText(k)] = redactHeaderValue(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : null;
    record.response = { status: res.statusCode ?? 0, headers, contentType, bodyBytes: 0, bodyTruncated: false, bodySample: '' };
    const chunks: Buffer[] = [];
    let read = 0;
    // A body the connection ended midway is a cut too (its last bytes may be the start of an echoed secret).
    let whole = false;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > net.maxBodyBytes) {
          chunks.push(chunk.subarray(0, chunk.length - (read - net.maxBodyBytes)));
          record.response.bodyTruncated = true;
          res.destroy();
          break;
        }
        chunks.push(chunk);
      }
      whole = true;
    } finally {
      body = Buffer.concat(chunks);
      record.response.bodyBytes = read;
      // Scrubbed before it is cut (clipBytes): cut first, an echo straddling byte 2048 would leave its first characters.
      record.response.bodySample = clipBytes(body, BODY_SAMPLE_BYTES, record.response.bodyTruncated || !whole);
    }
  } catch (err) {
    record.error = classifyError(err, deadline.aborted, phase);
  } finally {
    const end = monotonicMs();
    record.address = lookup.address;
    record.tls = tlsFacts;
    const start = t0 + (lookup.dnsMs ?? 0);
    record.timings = {
      dnsMs: round(lookup.dnsMs),
      connectMs: phase.connectAt ? round(phase.connectAt - start) : null,
      tlsMs: phase.secureAt && phase.connectAt ? round(phase.secureAt - phase.connectAt) : null,
      ttfbMs: phase.headersAt ? round(phase.headersAt - t0) : null,
      totalMs: round(end - t0)!,
    };
    // One connection per exchange, closed here (before the host limiter's slot is released, so the host never sees more
    // connections than the limit allows) and never kept alive: nothing is left to hold the process open after a verdict.
    sent.req?.destroy();
  }
  return { record, body };
}

interface Payload { bytes: Buffer; contentType: string | null }

/** The body as bytes: a form is encoded by the platform's own multipart encoder (the fetch Body rules), with its boundary. */
async function encodeBody(body: ExchangeRequest['body']): Promise<Payload | null> {
  if (body === undefined) return null;
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: null };
  const encoded = new Response(body);
  return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') };
}

/** The name sent as SNI and checked against the certificate: none for an IP literal (TLS forbids it). */
function tlsServername(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Methods whose empty body is still announced (content-length: 0), as HTTP clients do; the others send no length. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * One HTTP/1.1 request on its own connection (node:http/https, no pool): the checked lookup, our own TLS verdict
 * (rejectUnauthorized:false; readTls names every problem and we still see the answer), HTTP/1.1 only (ALPN), and the
 * headers in the order given. Headers given as a list are written as they are, so Host and the body's length are added
 * here, as HTTP clients add them.
 */
function send(url: URL, req: ExchangeRequest, net: NetOptions, wire: [string, string][], payload: Payload | null, lookup: LookupRecord, signal: AbortSignal): ClientRequest {
  const isTls = url.protocol === 'https:';
  if (!isTls && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  const has = (name: string) => wire.some(([n]) => n.toLowerCase() === name);
  const headers: string[] = [];
  if (!has('host')) headers.push('host', url.host);
  for (const [n, v] of wire) headers.push(n, v);
  if (payload?.contentType && !has('content-type')) headers.push('content-type', payload.contentType);
  if (!has('content-length') && !has('transfer-encoding') && (payload || PAYLOAD_METHODS.has(req.method.toUpperCase()))) {
    headers.push('content-length', String(payload?.bytes.length ?? 0));
  }
  const host = tlsServername(url);
  const options: RequestOptions = {
    method: req.method,
    host,
    port: url.port || (isTls ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers,
    agent: false,
    signal,
    lookup: guardedLookup(net, lookup),
  };
  if (!isTls) return http.request(options);
  return https.request({
    ...options,
    servername: isIP(host) ? '' : host,
    rejectUnauthorized: false, // we judge the certificate ourselves, to name every TLS problem and still see the HTTP answer
    // The probes speak HTTP/1.1 (the lab, the WAF and header evidence, the timings are all of HTTP/1.1).
    ALPNProtocols: ['http/1.1'],
    ...trustOptions(net.extraCa, req.tlsOptions),
    ...req.tlsOptions,
  });
}

/** The connect timeout's error: classified as connect-timeout, with the bound in the message. */
function connectTimeout(ms: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`connect timed out after ${ms} ms`);
  err.code = 'ETIMEDOUT';
  return err;
}

function round(n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|EPROTO)/;

export function classifyError(
  err: unknown,
  timedOut: boolean,
  phase: { connectAt: number | null; secureAt: number | null; headersAt: number | null },
): NonNullable<Exchange['error']> {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  // DOMExceptions (AbortSignal.timeout) carry a numeric legacy code: name them instead.
  const raw = e?.code ?? e?.cause?.code;
  const code = typeof raw === 'string' ? raw : (e?.name ?? null);
  const message = errorLine(err);
  let kind: NetErrorKind = 'other';
  if (code === 'ERR_SSRF_BLOCKED') kind = 'blocked';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') kind = 'dns';
  else if (code === 'ECONNREFUSED') kind = 'refused';
  else if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') kind = 'connect-timeout';
  else if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    kind = phase.secureAt || phase.headersAt ? 'timeout' : 'connect-timeout';
  } else if (code && TLS_CODES.test(code)) kind = 'tls';
  else if (/ssl|tls|handshake/i.test(message) && !phase.secureAt) kind = 'tls';
  else if (['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'].includes(code ?? '')) kind = 'reset';
  return { kind, code, message };
}
