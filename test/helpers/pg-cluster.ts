import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../src/lab/ports.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** A connection string for a fresh database in the cluster. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp folder, the server on a free loopback port, stopped and
 * deleted after. initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser). Returns a
 * reason instead where PostgreSQL is not installed; ACTION_DEBUG_REQUIRE_PG=1 (set by .ci/run) turns that into a failure.
 */
export async function startPgCluster(): Promise<PgCluster | { skip: string }> {
  const bindir = pgBindir();
  if (!bindir) return absent('PostgreSQL is not installed (no pg_config / initdb)');
  const root = userInfo().uid === 0;
  if (root && spawnSync('id', ['postgres']).status !== 0) return absent('running as root and there is no postgres user to run the server as');
  const dir = mkdtempSync(join(tmpdir(), 'ad-pg-'));
  const data = join(dir, 'data');
  const as = (cmd: string, args: string[]) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' }));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  as(join(bindir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // The port was free a moment ago; another test's listen(0) may take it before the server binds, so a failed start
  // is tried again on a new port (bounded).
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      // fsync off: a test cluster is thrown away; everything else (locking, SKIP LOCKED, isolation) is the real server.
      as(join(bindir, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
      break;
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
  const base = `postgres://postgres@127.0.0.1:${port}`;
  return {
    async createDatabase(name) {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: `${base}/postgres` });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name}"`);
      } finally {
        await c.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      try {
        as(join(bindir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function absent(reason: string): { skip: string } {
  if (process.env['ACTION_DEBUG_REQUIRE_PG'] === '1') throw new Error(`PostgreSQL tests are required (ACTION_DEBUG_REQUIRE_PG=1) but: ${reason}`);
  return { skip: reason };
}

function pgBindir(): string | null {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // Debian's postgresql package puts the server binaries outside PATH; pg_config (libpq-dev) may be missing.
  }
  for (const v of ['17', '16', '15', '14']) if (existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  return null;
}
