/**
 * Issue 22: a healthy local diagnosis through the CLI, whole process, as `npx action-debug` runs it (bin/action-debug.js,
 * the built bundle), beside `node -e 0` on the same Node in the same run. Goal: median wall ≤ 3× `node -e 0`, peak RSS
 * < 100 MB. The phases are read from outside, as a user sees them: spawn → first line on stderr ("Diagnosing…": code
 * loaded, input parsed) → first probe's progress line → verdict on stdout → process exit.
 * The lab runs in its own process, so this process only times. Peak RSS comes from GNU time when it is installed.
 * "First run" starts with an empty cache folder: it compiles the bundle and writes the code cache the later runs read
 * (scripts/cli-loader.mjs); the "before" row is tsc's output, module by module, with no cache at all. The "floor" row is
 * Node alone doing the network part of the same diagnosis (bench/https-floor.mjs: node:https, as many fresh HTTPS
 * connections at once, no action-debug code): what no CLI written for Node can go under on this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabScenario } from '../src/lab/index.js';
import { printTable } from './table.js';
import { startChild, stopChild } from './processes.js';

const RUNS = 15;
/**
 * Fresh HTTPS connections a healthy diagnosis of the lab opens (7 requests and the TLS probe's own handshake, counted
 * from the connect() calls of one run); the floor row opens as many.
 */
const FLOOR_CONNECTIONS = 8;
const GNU_TIME = '/usr/bin/time';

interface Run { wall: number; loaded: number | null; firstProbe: number | null; verdict: number | null; rssMb: number | null; code: number | null; signal: string | null }

export async function run(): Promise<void> {
  const bin = join(process.cwd(), 'bin/action-debug.js');
  if (!existsSync(join(process.cwd(), 'dist/cli-bundle/main.js'))) {
    process.stdout.write('\n(the CLI is not built: run `npm run build` first)\n');
    return;
  }
  const lab = await startChild(['src/lab/main.ts', '--json', 'healthy'], {}, (l) => (l.startsWith('{') ? (JSON.parse(l) as { scenarios: LabScenario[]; hosts: Record<string, string[]>; caFile: string }) : null));
  const dir = mkdtempSync(join(tmpdir(), 'ad-bench-cli-'));
  try {
    const healthy = lab.value.scenarios[0]!;
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: lab.value.caFile, ACTION_DEBUG_ALLOW_PRIVATE: '1',
      ACTION_DEBUG_HOSTS: Object.entries(lab.value.hosts).map(([h, a]) => `${h}=${a.join(',')}`).join(';'),
      // A cache folder of this run's own: the first run below starts with an empty one (a first `npx action-debug`).
      NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
    };
    const cli = ['diagnose', '--endpoint', healthy.url, ...healthy.headers.flatMap((h) => ['--header', h])];
    const measure = (args: string[], extra: NodeJS.ProcessEnv = {}) => timeProcess(args, { ...env, ...extra }, dir);
    // What `npx action-debug` ran before the bundle: tsc's output, one module file at a time, no compile cache.
    const unbundled = ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/cli/main.js')).href)}); process.exitCode = await m.main(process.argv.slice(1));`, '--', ...cli];
    const floorArgs = [join(process.cwd(), 'bench/https-floor.mjs'), healthy.url.replace(/\{[^}]*\}/g, '1'), String(FLOOR_CONNECTIONS), ...healthy.headers];
    const cold = await measure([bin, ...cli]);
    await measure(['-e', '0']);
    const base: Run[] = [];
    const runs: Run[] = [];
    const before: Run[] = [];
    const floorRuns: Run[] = [];
    // In turn, so a drift in the machine's speed hits all alike.
    for (let i = 0; i < RUNS; i++) {
      base.push(await measure(['-e', '0']));
      runs.push(await measure([bin, ...cli]));
      before.push(await measure(unbundled, { NODE_DISABLE_COMPILE_CACHE: '1' }));
      floorRuns.push(await measure(floorArgs));
    }
    const bad = [cold, ...runs, ...before, ...floorRuns].find((r) => r.code !== 0 || r.signal);
    if (bad) throw new Error(`a run ended with ${bad.signal ?? `exit ${bad.code}`} on a healthy endpoint (the CLI or the floor)`);
    const med = (xs: (number | null)[]) => {
      const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
      return s.length ? s[Math.floor(s.length / 2)]! : null;
    };
    const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(0));
    const floor = med(base.map((r) => r.wall))!;
    const netFloor = med(floorRuns.map((r) => r.wall))!;
    const row = (name: string, rs: Run[]) => {
      const wall = med(rs.map((r) => r.wall))!;
      const rss = med(rs.map((r) => r.rssMb));
      return [name, rs.length, fmt(med(rs.map((r) => r.loaded))), fmt(med(rs.map((r) => r.firstProbe))), fmt(med(rs.map((r) => r.verdict))), fmt(wall),
        fmt(med(rs.map((r) => (r.verdict === null ? null : r.wall - r.verdict)))), (wall / floor).toFixed(2), rs === base ? '' : (wall / netFloor).toFixed(2), fmt(rss),
        rs === base || rs === before || rs === floorRuns ? '' : wall <= 3 * floor && rss !== null && rss < 100 ? 'yes' : 'NO'];
    };
    printTable(
      `Healthy lab endpoint through the CLI (bin/action-debug.js), whole process, on Node ${process.version}; medians, ms from spawn (goal: wall ≤ 3× node -e 0, peak RSS < 100 MB)`,
      ['process', 'runs', 'code loaded', 'first probe', 'verdict', 'exit (wall)', 'verdict → exit', '× node -e 0', '× floor', 'peak RSS MB', 'goal'],
      [row('node -e 0', base), row('action-debug diagnose', runs), row('  first run, empty compile cache', [cold]), row('  unbundled, no compile cache (before)', before),
        row(`floor: node:https alone, ${FLOOR_CONNECTIONS} connections`, floorRuns)],
    );
  } finally {
    await stopChild(lab.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One process on this Node, timed from spawn to exit; its stderr/stdout lines mark the phases. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<Run> {
  const rssFile = join(dir, 'rss');
  const withTime = existsSync(GNU_TIME);
  const [cmd, argv] = withTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const r: Run = { wall: 0, loaded: null, firstProbe: null, verdict: null, rssMb: null, code: null, signal: null };
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      const at = performance.now() - t0;
      err += d;
      r.loaded ??= at;
      // Probes that are skipped (no spec, no OpenCX key) print at once with "–"; the first real one is ✓ or ✗.
      if (r.firstProbe === null && /^ {2}[✓✗!]/m.test(d.toString())) r.firstProbe = at;
    });
    child.stdout.on('data', () => (r.verdict ??= performance.now() - t0));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      r.wall = performance.now() - t0;
      r.code = code;
      r.signal = signal;
      if (withTime) {
        const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        r.rssMb = Number.isFinite(kb) ? kb / 1024 : null;
      }
      if (code !== 0 && code !== null && args[0] !== '-e') process.stderr.write(err);
      resolve(r);
    });
  });
}
