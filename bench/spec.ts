/**
 * Issue 8: the full OpenCX import check of GitHub's and Stripe's real specs, side by side with Redocly and Spectral
 * linting the same files in the same run. Reads ../shared/specs/ (SPECS_DIR) when it is there, else unpacks the gzipped
 * copies the tests use (test/openapi/fixtures/real/) to a temporary folder.
 * Every tool runs as its own process; wall time and peak RSS (VmHWM, sampled from /proc) are measured the same way.
 */
import { spawn } from 'node:child_process';
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
