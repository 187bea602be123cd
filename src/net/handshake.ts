import tls from 'node:tls';
import { trustOptions } from './trust.js';
import { checkLiteral, guardedLookup, type LookupRecord } from './guarded-lookup.js';
import { readTls } from './tls-facts.js';
import type { NetOptions } from './options.js';
import { HostLimiter } from './host-limiter.js';
import type { TlsFacts } from './record.js';
import { monotonicMs } from '../core/clock.js';
import { errorLine } from '../core/error-line.js';

export interface HandshakeResult {
  address: string | null;
  tcpConnected: boolean;
  tls: TlsFacts | null;
  error: { code: string | null; message: string } | null;
  ms: number;
}

/** A TLS handshake alone (no HTTP), through the same guard, to read the certificate and protocol precisely. */
export async function handshake(
  url: URL,
  net: NetOptions,
  timeoutMs: number,
  options: tls.ConnectionOptions = {},
  signal?: AbortSignal,
): Promise<HandshakeResult> {
  if (!net.hostLimiter) return handshakeHoldingSlot(url, net, timeoutMs, options);
  // A handshake is a connection too: it counts toward the per-host limit like any request (see HostLimiter).
  let release: () => void;
  try {
    release = await net.hostLimiter.acquire(HostLimiter.keyOf(url), signal);
  } catch (err) {
    return { address: null, tcpConnected: false, tls: null, error: { code: 'ABORT_ERR', message: `not attempted: ${(err as Error)?.message ?? err}` }, ms: 0 };
  }
  try {
    return await handshakeHoldingSlot(url, net, timeoutMs, options);
  } finally {
    release();
  }
}

function handshakeHoldingSlot(url: URL, net: NetOptions, timeoutMs: number, options: tls.ConnectionOptions): Promise<HandshakeResult> {
  const t0 = monotonicMs();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const record: LookupRecord = { dnsMs: null, addresses: [], address: null };
  return new Promise((resolve) => {
    const refused = checkLiteral(host, net, record);
    if (refused) return resolve({ address: host, tcpConnected: false, tls: null, error: { code: refused.code, message: refused.message }, ms: 0 });
    let tcpConnected = false;
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: /^[\d.:]+$/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      lookup: guardedLookup(net, record),
      ...trustOptions(net.extraCa, options),
      ...options,
    });
    let settled = false;
    const done = (r: Omit<HandshakeResult, 'ms' | 'address' | 'tcpConnected'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const result = { ...r, address: record.address, tcpConnected, ms: Math.round(monotonicMs() - t0) };
      // Resolve once the socket is closed, so a per-host slot is only released when the connection is gone.
      if (socket.closed) return resolve(result);
      socket.once('close', () => resolve(result));
      socket.destroy();
    };
    const timer = setTimeout(
      () => done({ tls: null, error: { code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs} ms` } }),
      timeoutMs,
    );
    socket.once('connect', () => (tcpConnected = true));
    socket.once('secureConnect', () => done({ tls: readTls(socket, host), error: null }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ tls: null, error: { code: err.code ?? null, message: errorLine(err) } }));
  });
}
