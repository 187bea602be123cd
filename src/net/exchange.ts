import tls from 'node:tls';
import { trustOptions } from './trust.js';
import { Agent, buildConnector, request, FormData } from 'undici';
import type { Socket } from 'node:net';
import { Secret } from '../core/secret.js';
import { redactHeaderValue, redactText, redactUrl } from '../core/redact.js';
import { checkLiteral, guardedLookup, type LookupRecord } from './guarded-lookup.js';
import { readTls } from './tls-facts.js';
import type { NetOptions } from './options.js';
import type { Exchange, NetErrorKind, TlsFacts } from './record.js';

export type HeaderValue = string | Secret;

export interface ExchangeRequest {
  /** Why this request is sent, shown in details ("as OpenCX sends it", "without x-opencx-* headers"). */
  label: string;
  method: string;
  url: string;
  headers: [string, HeaderValue][];
  body?: string | FormData;
  timeoutMs: number;
  /** TLS options for protocol probes (minVersion, maxVersion, ciphers). */
  tlsOptions?: tls.ConnectionOptions;
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
  let body = Buffer.alloc(0);
  const t0 = performance.now();
  const lookup: LookupRecord = { dnsMs: null, addresses: [], address: null };
  const phase = { connectAt: null as number | null, secureAt: null as number | null, headersAt: null as number | null };
  let tlsFacts: TlsFacts | null = null;

  const base = buildConnector({
    rejectUnauthorized: false, // we judge the certificate ourselves, to name every TLS problem and still see the HTTP answer
    maxCachedSessions: 0,
    // undici 8 offers HTTP/2 through ALPN by default. The probes have always spoken HTTP/1.1 (the lab, the WAF and header
    // evidence, the timings are all of HTTP/1.1), so they keep doing so: a protocol change would be its own decision.
    allowH2: false,
    timeout: Math.min(net.connectTimeoutMs, req.timeoutMs),
    lookup: guardedLookup(net, lookup),
    ...trustOptions(net.extraCa, req.tlsOptions),
    ...req.tlsOptions,
  } as buildConnector.BuildOptions);

  const agent = new Agent({
    connections: 1,
    pipelining: 0,
    allowH2: false,
    connect(opts, callback) {
      const literal = String(opts.hostname).replace(/^\[|\]$/g, '');
      const refused = checkLiteral(literal, net, lookup);
      if (refused) {
        callback(refused, null);
        return;
      }
      // undici's typings say void, but the connector returns the socket it is connecting, which we time.
      const socket = (base as unknown as (o: unknown, cb: (err: Error | null, sock: Socket | null) => void) => Socket | undefined)(
        opts,
        (err, sock) => {
          if (!err && sock instanceof tls.TLSSocket) tlsFacts = readTls(sock, String(opts.servername || literal));
          (callback as (err: Error | null, sock: Socket | null) => void)(err, sock);
        },
      );
      socket?.once('connect', () => (phase.connectAt = performance.now()));
      socket?.once('secureConnect', () => (phase.secureAt = performance.now()));
    },
  });

  const sentHeaders: Record<string, string> = {};
  const wireHeaders: string[] = [];
  for (const [name, value] of req.headers) {
    const raw = value instanceof Secret ? value.reveal() : value;
    wireHeaders.push(name, raw);
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
  try {
    const res = await request(req.url, {
      dispatcher: agent,
      method: req.method as 'GET',
      headers: wireHeaders,
      body: req.body ?? null,
      signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    phase.headersAt = performance.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      headers[k] = redactHeaderValue(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : null;
    record.response = { status: res.statusCode, headers, contentType, bodyBytes: 0, bodyTruncated: false, bodySample: '' };
    const chunks: Buffer[] = [];
    let read = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > net.maxBodyBytes) {
          chunks.push(chunk.subarray(0, chunk.length - (read - net.maxBodyBytes)));
          record.response.bodyTruncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(chunk);
      }
    } finally {
      body = Buffer.concat(chunks);
      record.response.bodyBytes = read;
      record.response.bodySample = redactText(body.subarray(0, 2048).toString('utf8'));
    }
  } catch (err) {
    record.error = classifyError(err, deadline.aborted, phase);
  } finally {
    const end = performance.now();
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
    agent.destroy().catch(() => {});
  }
  return { record, body };
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
  const message = redactText(String(e?.message ?? err)).split('\n')[0]!.slice(0, 300);
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
