import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join, delimiter } from 'node:path';
import type { Family } from '../pipeline/finding.js';
import type { Method } from '../pipeline/input.js';
import type { Issued } from './certs.js';
import { closedPort, freePort, waitForPort } from './ports.js';

/**
 * Real reverse proxies (Debian's nginx and HAProxy), configured the way customers misconfigure them, where the real
 * program's own answers (its error pages, its limits, its defaults) make the case better than an imitation in Node.
 * Bound to 127.0.0.1 on free ports, with generated configs in the lab's temp dir, stopped with the lab.
 */
export type Program = 'nginx' | 'haproxy';

export interface RealScenarioDef {
  id: string;
  title: string;
  program: Program;
  path: string;
  method: Method;
  headers: string[];
  body?: string;
  timeoutMs?: number;
  expect: { family: Family | null; cause: string };
  /** Sends calls before a diagnosis (e.g. uses up a rate limit), given the scenario's base URL. */
  prime?: boolean;
}

/** A JWT-sized token (about 9 KB: a token carrying many group claims) that does not fit nginx's 1k header buffers below. */
const LONG_JWT = `Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'eyJncm91cHMiOlsiYWRtaW5zIiwic3VwcG9ydCJdfQ'.repeat(200)}.c2lnbmF0dXJl`;

export const REAL_SCENARIOS: RealScenarioDef[] = [
  {
    id: 'nginx-no-backend', title: 'nginx proxies to an API that is down (proxy_pass to a closed port): 502', program: 'nginx',
    path: '/orders/{id}', method: 'GET', headers: [], expect: { family: 3, cause: 'no-healthy-backend' },
  },
  {
    id: 'nginx-upstream-timeout', title: 'nginx proxies to an API slower than proxy_read_timeout 1s: 504', program: 'nginx',
    path: '/orders/{id}', method: 'GET', headers: [], expect: { family: 3, cause: 'no-healthy-backend' },
  },
  {
    id: 'nginx-body-limit', title: 'nginx client_max_body_size 1k meets a 4 KB JSON body: 413', program: 'nginx',
    path: '/orders', method: 'POST', headers: [], body: JSON.stringify({ note: 'x'.repeat(4096) }), expect: { family: 3, cause: 'payload-too-large' },
  },
  {
    id: 'nginx-header-buffer', title: 'nginx large_client_header_buffers 4 1k meets a 9 KB JWT: 400 Request Header Or Cookie Too Large', program: 'nginx',
    path: '/orders/{id}', method: 'GET', headers: [`Authorization: ${LONG_JWT}`], expect: { family: 3, cause: 'request-headers-too-large' },
  },
  {
    id: 'nginx-deny', title: 'nginx "deny all" for unknown IPs on the API location: 403 whatever is sent', program: 'nginx',
    path: '/orders/{id}', method: 'GET', headers: ['Authorization: Bearer lab-token-nginx-deny'], expect: { family: 3, cause: 'forbidden-ip-rule' },
  },
  {
    id: 'nginx-limit-req', title: 'nginx limit_req keyed on x-opencx-org-id (1r/m, no burst): its default status 503', program: 'nginx',
    path: '/orders/{id}', method: 'GET', headers: [], expect: { family: 3, cause: 'rate-limited-503' }, prime: true,
  },
  {
    id: 'haproxy-no-server', title: 'HAProxy backend whose only server is down: 503 "No server is available"', program: 'haproxy',
    path: '/orders/{id}', method: 'GET', headers: [], expect: { family: 3, cause: 'no-healthy-backend' },
  },
  {
    id: 'haproxy-deny', title: 'HAProxy "http-request deny" by source address: 403 whatever is sent', program: 'haproxy',
    path: '/orders/{id}', method: 'GET', headers: [], expect: { family: 3, cause: 'forbidden-ip-rule' },
  },
];

/**
 * Where Debian puts the programs (sbin is not always on a user's PATH), then PATH; ACTION_DEBUG_LAB_PATH replaces both
 * (a test uses it to see the skip a machine without them gets).
 */
export function findProgram(name: Program): string | null {
  const override = process.env['ACTION_DEBUG_LAB_PATH'];
  const dirs = override !== undefined ? override.split(delimiter) : ['/usr/sbin', '/usr/local/sbin', '/sbin', ...(process.env['PATH'] ?? '').split(delimiter)];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface RealServers {
  /** Each started scenario's base URL port. */
  ports: Map<string, number>;
  /** Scenarios not started, with why (the program is not installed, or failed to start). */
  skipped: { id: string; reason: string }[];
  /** Calls that set a scenario up right before a diagnosis (uses up a rate limit); nothing for the others. */
  prime(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Plain-HTTP backends on 127.0.0.1 for the proxies: one that answers orders, one slower than the proxy's timeout. */
async function backends(): Promise<{ ok: number; slow: number; close: () => Promise<void> }> {
  const servers: http.Server[] = [];
  const start = async (handler: http.RequestListener) => {
    const s = http.createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as net.AddressInfo).port;
  };
  const ok = await start((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: '1', status: 'shipped' }));
  });
  const slow = await start((_req, res) => void setTimeout(() => !res.destroyed && res.end('{}'), 3000).unref());
  return {
    ok,
    slow,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

function nginxConfig(dir: string, cert: { crt: string; key: string }, ports: Map<string, number>, b: { ok: number; slow: number }, closed: number): string {
  const server = (id: string, body: string) => `
  server {
    listen 127.0.0.1:${ports.get(id)} ssl;
    server_name ${id}.lab.test;
    ssl_certificate ${cert.crt};
    ssl_certificate_key ${cert.key};
${body}
  }`;
  const run = (id: string) => ports.has(id);
  return `# Generated by the action-debug lab: one server per scenario, each misconfigured one way.
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'nginx-body')};
  proxy_temp_path ${join(dir, 'nginx-proxy')};
  fastcgi_temp_path ${join(dir, 'nginx-fastcgi')};
  uwsgi_temp_path ${join(dir, 'nginx-uwsgi')};
  scgi_temp_path ${join(dir, 'nginx-scgi')};
  limit_req_zone $http_x_opencx_org_id zone=perorg:1m rate=1r/m;
${run('nginx-no-backend') ? server('nginx-no-backend', `    location / { proxy_pass http://127.0.0.1:${closed}; }`) : ''}
${run('nginx-upstream-timeout') ? server('nginx-upstream-timeout', `    location / { proxy_pass http://127.0.0.1:${b.slow}; proxy_read_timeout 1s; }`) : ''}
${run('nginx-body-limit') ? server('nginx-body-limit', `    client_max_body_size 1k;\n    location / { proxy_pass http://127.0.0.1:${b.ok}; }`) : ''}
${run('nginx-header-buffer') ? server('nginx-header-buffer', `    large_client_header_buffers 4 1k;\n    location / { proxy_pass http://127.0.0.1:${b.ok}; }`) : ''}
${run('nginx-deny') ? server('nginx-deny', `    location / { allow 10.0.0.0/8; deny all; proxy_pass http://127.0.0.1:${b.ok}; }`) : ''}
${run('nginx-limit-req') ? server('nginx-limit-req', `    location / { limit_req zone=perorg; proxy_pass http://127.0.0.1:${b.ok}; }`) : ''}
}
`;
}

function haproxyConfig(pem: string, ports: Map<string, number>, b: { ok: number }, closed: number): string {
  const front = (id: string, body: string) => `
frontend ${id}
  bind 127.0.0.1:${ports.get(id)} ssl crt ${pem}
${body}`;
  const run = (id: string) => ports.has(id);
  return `# Generated by the action-debug lab.
global
  maxconn 256
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
  retries 0
${run('haproxy-no-server') ? `${front('haproxy-no-server', '  default_backend down')}
backend down
  server api 127.0.0.1:${closed}
` : ''}
${run('haproxy-deny') ? `${front('haproxy-deny', '  http-request deny if { src 127.0.0.0/8 }\n  default_backend up')}
backend up
  server api 127.0.0.1:${b.ok}
` : ''}
`;
}

/** Starts nginx and HAProxy for the requested real scenarios; those whose program is missing are skipped with why. */
export async function startRealServers(defs: RealScenarioDef[], cert: Issued, dir: string): Promise<RealServers> {
  const skipped: { id: string; reason: string }[] = [];
  const ports = new Map<string, number>();
  const children: ChildProcess[] = [];
  const b = await backends();
  const closed = await closedPort();
  mkdirSync(dir, { recursive: true });
  const crt = join(dir, 'lab-server.crt');
  const key = join(dir, 'lab-server.key');
  const pem = join(dir, 'lab-server.pem');
  writeFileSync(crt, cert.certPem);
  writeFileSync(key, cert.keyPem, { mode: 0o600 });
  writeFileSync(pem, `${cert.certPem.trimEnd()}\n${cert.keyPem.trimEnd()}\n`, { mode: 0o600 });

  for (const program of ['nginx', 'haproxy'] as const) {
    const mine = defs.filter((d) => d.program === program);
    if (!mine.length) continue;
    const bin = findProgram(program);
    if (!bin) {
      for (const d of mine) skipped.push({ id: d.id, reason: `${program} is not installed (apt-get install ${program})` });
      continue;
    }
    // The ports were free a moment ago; if something else took one before the program bound it, the program exits
    // (or we reach somebody else's server), so it is started again on new ports, a bounded number of times.
    let local = new Map<string, number>();
    let failure = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      local = new Map<string, number>();
      for (const d of mine) local.set(d.id, await freePort());
      const conf = join(dir, `${program}.conf`);
      writeFileSync(conf, program === 'nginx' ? nginxConfig(dir, { crt, key }, local, b, closed) : haproxyConfig(pem, local, b, closed));
      const args = program === 'nginx' ? ['-p', dir, '-c', conf, '-e', join(dir, 'nginx-error.log')] : ['-f', conf, '-db'];
      const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const listening = Promise.all([...local.values()].map((p) => waitForPort(p, 5000))).then((all) => all.every(Boolean));
      const up = await Promise.race([listening, exited.then(() => false)]);
      // A program that failed to bind one port exits right after; a moment's wait tells it from one that is serving.
      const stays = up && (await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 150))]));
      if (stays) {
        children.push(child);
        failure = '';
        break;
      }
      failure = stderr.trim().split('\n').at(-1) || 'no output';
      child.kill('SIGKILL');
    }
    if (failure) {
      for (const d of mine) skipped.push({ id: d.id, reason: `${program} did not start: ${failure}` });
      continue;
    }
    for (const [id, port] of local) ports.set(id, port);
  }

  return {
    ports,
    skipped,
    async prime(id) {
      const def = defs.find((d) => d.id === id);
      const port = ports.get(id);
      if (!def?.prime || port === undefined) return;
      // Uses up the per-org rate limit, as earlier customers' calls would have: the diagnosis then meets the limiter.
      await new Promise<void>((resolve) => {
        const req = https.request(
          { host: '127.0.0.1', port, servername: `${id}.lab.test`, path: '/', rejectUnauthorized: false, headers: { host: `${id}.lab.test`, 'x-opencx-org-id': '00000000-0000-4000-8000-000000000000' }, timeout: 2000 },
          (res) => (res.resume(), res.on('end', () => resolve())),
        );
        req.on('error', () => resolve());
        req.on('timeout', () => req.destroy());
        req.end();
      });
    },
    async close() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const t = setTimeout(() => c.kill('SIGKILL'), 3000);
              c.once('exit', () => (clearTimeout(t), resolve()));
              c.kill('SIGTERM');
            }),
        ),
      );
      await b.close();
    },
  };
}
