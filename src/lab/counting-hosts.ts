import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createRootCa, issueServerCert } from './certs.js';

export interface CountingHost {
  name: string;
  origin: string;
  /** Requests this host was handling at the same moment, at most (from request to response closed). */
  peakRequests: number;
  /** TLS connections open at the same moment, at most (a handshake-only probe counts here too). */
  peakConnections: number;
  requests: number;
  /** [start, end] of every request, in ms since the host started (to see hosts served in parallel). */
  intervals: [number, number][];
}

export interface CountingHosts {
  hosts: Record<string, string[]>;
  caPem: string;
  host(name: string): CountingHost;
  reset(): void;
  close(): Promise<void>;
}

/**
 * HTTPS hosts that answer every request with a small JSON body after `delayMs`, and count how many requests and
 * connections they are serving at once, as the server sees them: the politeness tests and the audit bench measure the
 * per-host limit here, at the receiving end, not in the code that enforces it.
 */
export async function startCountingHosts(names: string[], opts: { delayMs: number }): Promise<CountingHosts> {
  const root = await createRootCa('CN=action-debug counting lab CA');
  const cert = await issueServerCert(root, names);
  const t0 = performance.now();
  const stats = new Map<string, CountingHost & { nowRequests: number; nowConnections: number }>();
  const servers: https.Server[] = [];
  const sockets = new Set<Socket>();
  const hosts: Record<string, string[]> = {};
  for (const name of names) {
    const s = { name, origin: '', peakRequests: 0, peakConnections: 0, requests: 0, intervals: [] as [number, number][], nowRequests: 0, nowConnections: 0 };
    const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      const start = performance.now() - t0;
      s.requests++;
      s.peakRequests = Math.max(s.peakRequests, ++s.nowRequests);
      res.once('close', () => {
        s.nowRequests--;
        s.intervals.push([start, performance.now() - t0]);
      });
      req.resume();
      const timer = setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: '1', status: 'ok', note: 'counted' }));
      }, opts.delayMs);
      res.once('close', () => clearTimeout(timer));
    });
    server.on('secureConnection', (sock) => {
      s.peakConnections = Math.max(s.peakConnections, ++s.nowConnections);
      sock.once('close', () => s.nowConnections--);
    });
    server.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    s.origin = `https://${name}:${(server.address() as AddressInfo).port}`;
    hosts[name] = ['127.0.0.1'];
    stats.set(name, s);
    servers.push(server);
  }
  return {
    hosts,
    caPem: root.certPem,
    host: (name) => {
      const s = stats.get(name);
      if (!s) throw new Error(`no counting host ${name}`);
      return s;
    },
    reset() {
      for (const s of stats.values()) Object.assign(s, { peakRequests: 0, peakConnections: 0, requests: 0, intervals: [] });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    },
  };
}
