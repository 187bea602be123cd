import https from 'node:https';
import net from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REAL_SCENARIOS, startRealServers, type Program, type RealScenarioDef } from './real-servers.js';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { createIntermediateCa, createRootCa, issueServerCert, type Issued } from './certs.js';
import { SCENARIOS, type CertKind, type ScenarioDef } from './scenarios.js';
import { closedPort } from './ports.js';
import type { Family } from '../pipeline/finding.js';
import type { Method } from '../pipeline/input.js';

export interface LabScenario {
  id: string;
  /** The real program serving it (nginx, HAProxy), or absent for the Node lab. */
  program?: Program;
  title: string;
  url: string;
  method: Method;
  headers: string[];
  body?: string;
  timeoutMs?: number;
  expect: { family: Family | null; cause: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Lab {
  scenarios: LabScenario[];
  caPem: string;
  hosts: Record<string, string[]>;
  caFile(dir: string): string;
  hostsEnv(): string;
  requests(id: string): RecordedRequest[];
  /** The most HTTP requests this scenario's server was handling at the same moment (from request to response closed). */
  peakInFlight(id: string): number;
  /** Real-server scenarios that could not start here, with why (e.g. nginx not installed). */
  skipped: { id: string; reason: string }[];
  /** Sets a scenario up right before a diagnosis (uses up nginx's rate limit); resolves at once for the others. */
  prime(id: string): Promise<void>;
  close(): Promise<void>;
}

const HOST_SUFFIX = 'lab.test';

/**
 * Local HTTPS servers on 127.0.0.1, each reproducing one real cause of a failing action. Certificates come from a CA
 * made at start; host names `<id>.lab.test` resolve through the `hosts` override, never through DNS.
 */
export async function startLab(opts: { only?: string[]; real?: boolean } = {}): Promise<Lab> {
  const defs = opts.only ? SCENARIOS.filter((s) => opts.only!.includes(s.id)) : SCENARIOS;
  // Real servers run when asked for (or named in `only`): starting nginx and HAProxy is not free.
  const realDefs = REAL_SCENARIOS.filter((s) => (opts.only ? opts.only.includes(s.id) : opts.real === true));
  const unknown = (opts.only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id) && !REAL_SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown lab scenario(s): ${unknown.join(', ')}`);

  const root = await createRootCa();
  const intermediate = await createIntermediateCa(root);
  const wildcard = [`*.${HOST_SUFFIX}`];
  const certs: Record<CertKind, Issued> = {
    good: await issueServerCert(root, wildcard),
    expired: await issueServerCert(root, wildcard, { fromDays: -60, toDays: -7 }),
    'not-yet-valid': await issueServerCert(root, wildcard, { fromDays: 365, toDays: 730 }),
    'wrong-host': await issueServerCert(root, ['other.example']),
    'incomplete-chain': await issueServerCert(intermediate, wildcard),
    'self-signed': await issueServerCert(null, wildcard),
  };

  const recorded = new Map<string, RecordedRequest[]>();
  const load = new Map<string, { now: number; peak: number }>();
  const sockets = new Set<Socket>();
  const closers: (() => Promise<void>)[] = [];
  const hosts: Record<string, string[]> = {};
  const scenarios: LabScenario[] = [];

  for (const def of defs) {
    const host = `${def.id}.${HOST_SUFFIX}`;
    recorded.set(def.id, []);
    load.set(def.id, { now: 0, peak: 0 });
    const port = await serve(def, certs, recorded.get(def.id)!, sockets, closers, load.get(def.id)!);
    hosts[host] = def.serve.kind === 'no-dns' ? [] : ['127.0.0.1'];
    scenarios.push(scenarioAt(def, host, port));
  }

  const real = realDefs.length ? await startRealServers(realDefs, certs.good, mkdtempSync(join(tmpdir(), 'action-debug-real-'))) : null;
  if (real) closers.push(() => real.close());
  for (const def of realDefs) {
    const port = real!.ports.get(def.id);
    if (port === undefined) continue;
    const host = `${def.id}.${HOST_SUFFIX}`;
    hosts[host] = ['127.0.0.1'];
    scenarios.push({ ...scenarioAt(def, host, port), program: def.program });
  }

  return {
    scenarios,
    skipped: real?.skipped ?? [],
    prime: (id) => real?.prime(id) ?? Promise.resolve(),
    caPem: root.certPem,
    hosts,
    caFile(dir) {
      const path = join(dir, 'lab-ca.pem');
      writeFileSync(path, root.certPem);
      return path;
    },
    hostsEnv: () => Object.entries(hosts).map(([h, a]) => `${h}=${a.join(',')}`).join(';'),
    requests: (id) => recorded.get(id) ?? [],
    peakInFlight: (id) => load.get(id)?.peak ?? 0,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(closers.map((c) => c()));
    },
  };
}

async function serve(
  def: ScenarioDef,
  certs: Record<CertKind, Issued>,
  log: RecordedRequest[],
  sockets: Set<Socket>,
  closers: (() => Promise<void>)[],
  load: { now: number; peak: number },
): Promise<number> {
  const s = def.serve;
  if (s.kind === 'no-dns') return 443;
  if (s.kind === 'closed-port') return closedPort();
  const server =
    s.kind === 'tls-hang'
      ? net.createServer(() => {}) // accepts TCP, reads the ClientHello, never answers
      : https.createServer({ key: certs[s.cert ?? 'good'].keyPem, cert: certs[s.cert ?? 'good'].certPem, ...s.tls }, (req, res) => {
          // Counted as the server sees it, so politeness tests measure what a real host would.
          load.peak = Math.max(load.peak, ++load.now);
          res.once('close', () => load.now--);
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (d: string) => (body.length < 65_536 ? (body += d) : undefined));
          req.on('end', () => {
            log.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
            s.handler(req, res, body);
          });
        });
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  // TLS errors from probes that refuse our bad certificates are expected; they must not crash the lab.
  server.on('tlsClientError', () => {});
  server.on('clientError', (_e: Error, sock: Socket) => sock.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        (server as https.Server).closeAllConnections?.();
        server.close(() => r());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** How a test or the demo calls one scenario, Node-served or real-server alike. */
function scenarioAt(def: ScenarioDef | RealScenarioDef, host: string, port: number): LabScenario {
  return {
    id: def.id,
    title: def.title,
    url: `https://${host}:${port}${def.path}`,
    method: def.method,
    headers: def.headers,
    ...(def.body ? { body: def.body } : {}),
    ...(def.timeoutMs ? { timeoutMs: def.timeoutMs } : {}),
    expect: def.expect,
  };
}
