import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFakeSlack } from '../../src/fakes/slack/index.js';

const MAIN = resolve('src/slack/main.ts');
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href;

/** `npm start` as a user runs it: its own process, in a folder of its own (where its .env would be). */
function start(env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  exited.finally(() => clearTimeout(timer));
  return { child, exited, output: () => out };
}

test('npm start refuses a wrong setting with one line and exit 2, never a stack trace', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ad-start-'));
  const cases: [string, Record<string, string>, RegExp][] = [
    ['nothing set', {}, /SLACK_SIGNING_SECRET is required .*SLACK_BOT_TOKEN is required/],
    ['a timeout over 60 s', { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', ACTION_DEBUG_TIMEOUT_S: '120' }, /ACTION_DEBUG_TIMEOUT_S cannot exceed OpenCX's 60 s/],
    ['a bot token as app token', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, /app-level token \(xapp-/],
    // Several workspaces would read the operator's one OpenCX organisation: refused until the workspaces are listed.
    ['OAuth with an OpenCX key and no workspace allow-list', { SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: 'c', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'state-secret-0123456789', INSTALLATION_ENCRYPTION_KEY: 'sealing-key-0123456789', OPENCX_API_KEY: 'ocx_live_start_test_1', DATABASE_PATH: join(cwd, 'y.db') }, /set ALLOWED_TEAM_IDS/],
    ['OAuth without the sealing key', { SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: 'c', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'state-secret-0123456789', DATABASE_PATH: join(cwd, 'x.db') }, /INSTALLATION_ENCRYPTION_KEY/],
  ];
  const runs = await Promise.all(cases.map(async ([, env]) => {
    const r = start(env, cwd);
    return { code: await r.exited, out: r.output() };
  }));
  runs.forEach((r, i) => {
    const [name, , says] = cases[i]!;
    assert.equal(r.code, 2, `${name}: exit ${r.code}\n${r.out}`);
    assert.match(r.out, says, name);
    assert.doesNotMatch(r.out, /\n\s+at .+:\d+:\d+/, `${name}: stack trace`);
  });
});

test('npm start reads .env from its folder (the environment wins), serves /healthz, and stops on SIGTERM', async () => {
  const slack = await startFakeSlack();
  const cwd = mkdtempSync(join(tmpdir(), 'ad-start-'));
  // As copied from .env.example: blank values mean "not set" (an empty SLACK_APP_TOKEN must not mean Socket Mode).
  writeFileSync(join(cwd, '.env'), [
    'SLACK_SIGNING_SECRET=from-dotenv', 'SLACK_BOT_TOKEN=xoxb-from-dotenv', 'SLACK_APP_TOKEN=', 'SLACK_CLIENT_ID=', 'SLACK_BOT_ID=B0BOT', 'SLACK_BOT_USER_ID=U0BOT',
    `SLACK_API_URL=${slack.apiUrl}`, 'PORT=1', `DATABASE_PATH=${join(cwd, 'app.db')}`, 'LOG_LEVEL=info', '',
  ].join('\n'));
  const app = start({ PORT: '0' }, cwd);
  try {
    const port = await new Promise<number>((res, rej) => {
      const t = setInterval(() => {
        const m = /"port":(\d+)/.exec(app.output());
        if (m) return clearInterval(t), res(Number(m[1]));
        if (app.child.exitCode !== null || app.child.signalCode !== null) return clearInterval(t), rej(new Error(`the app exited: ${app.output()}`));
      }, 25);
    });
    assert.notEqual(port, 1, 'PORT from the environment wins over .env');
    assert.match(app.output(), /"socketMode":false/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
    app.child.kill('SIGTERM');
    assert.equal(await app.exited, 0);
    assert.ok(!app.output().includes('xoxb-from-dotenv'), 'the bot token reached the log');
  } finally {
    app.child.kill('SIGKILL');
    await slack.close();
  }
});
