import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Lab } from '../../src/lab/index.js';
import { SlackDriver, type FakeSlack } from '../../src/fakes/slack/index.js';
import { SIGNING_SECRET, BOT_TOKEN } from './slack-harness.js';

const MAIN = resolve('src/slack/main.ts');

let built: Promise<string> | undefined;
/**
 * `npm start`'s entry built from the current source into one file (esbuild, which tsx itself runs on; packages stay
 * external so they load from node_modules as in dist/). Started through tsx, each process spends seconds compiling;
 * tests that start a dozen processes cannot afford that, and dist/ may be stale.
 */
export function buildApp(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('esbuild');
    const out = resolve('node_modules/.cache/action-debug-tests', `main-${process.pid}.mjs`);
    mkdirSync(dirname(out), { recursive: true });
    await build({ entryPoints: [MAIN], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error', target: 'node20' });
    return out;
  })();
  return built;
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  driver: SlackDriver;
  /** Resolves with the signal (SIGKILL for a crash point) or the exit code. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment `npm start` would get for the lab and the fake Slack (a temp CA file for the lab's TLS). */
export function appEnv(lab: Lab, slack: FakeSlack, extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'ad-app-'));
  const ca = join(dir, 'lab-ca.pem');
  writeFileSync(ca, lab.caPem);
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT', SLACK_API_URL: slack.apiUrl,
    PORT: '0', LOG_LEVEL: 'info', SLACK_LOG_LEVEL: 'error', CARD_UPDATE_INTERVAL_MS: '50', ACK_QUIET_MS: '0', SLACK_RETRY_ATTEMPTS: '1',
    ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv(), NODE_EXTRA_CA_CERTS: ca, WORK_LEASE_SECONDS: '2',
    DATABASE_PATH: join(dir, 'app.db'),
    ...extra,
  };
}

/** Starts the app as its own process (as `npm start` does, but through tsx so no stale dist/), waits until it listens. */
export async function startApp(env: Record<string, string>, slack: FakeSlack, timeoutMs = 60_000): Promise<AppProcess> {
  const main = await buildApp();
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  // Bounded: a test that forgets a process does not leave it running.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  guard.unref();
  void exited.then(() => clearTimeout(guard));
  const port = await new Promise<number>((res, rej) => {
    const end = Date.now() + timeoutMs;
    const t = setInterval(() => {
      const m = /"port":(\d+)/.exec(out);
      if (m) return clearInterval(t), res(Number(m[1]));
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > end) return clearInterval(t), rej(new Error(`the app did not start: ${out}`));
    }, 20);
  });
  return {
    child, port, exited, output: () => out,
    driver: new SlackDriver(`http://127.0.0.1:${port}`, SIGNING_SECRET, slack),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
