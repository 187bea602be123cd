import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../helpers/run-cli.js';

// Issue 13.4 / 17.8: OPENCX_API_URL and SUPPORT_WEBHOOK_URL are https:// unless the lab switch is on.

/** A plain-HTTP listener that counts what reaches it (where the key or a ticket would land in clear text). */
async function counter(): Promise<{ url: string; hits: () => number; seen: () => string; close: () => void }> {
  let hits = 0;
  let seen = '';
  const server: Server = createServer((req, res) => {
    hits++;
    seen += JSON.stringify(req.headers);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, seen: () => seen, close: () => server.close() };
}

test('the CLI refuses an http:// OPENCX_API_URL in one line, before the key is sent; the lab switch lets it through', async () => {
  const opencx = await counter();
  const key = `ocx_test_${Math.random().toString(36).slice(2)}cleartext`;
  try {
    const args = ['diagnose', '--action', 'Look up order', '--session', 'ses_1', '--quiet', '--timeout', '2'];
    const r = await runCli(args, { OPENCX_API_KEY: key, OPENCX_API_URL: `${opencx.url}/` });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /OPENCX_API_URL must be an https:\/\/ URL/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.ok(!(r.stderr + r.stdout).includes(key));
    assert.equal(opencx.hits(), 0, 'nothing was sent to the http:// OpenCX URL');

    // With the lab switch (local fakes), the same URL is used: the check is the setting, not the address.
    await runCli(args, { OPENCX_API_KEY: key, OPENCX_API_URL: `${opencx.url}/`, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
    assert.ok(opencx.hits() > 0, 'the lab switch allows a local http:// fake');
  } finally {
    opencx.close();
  }
});

test('npm start refuses an http:// SUPPORT_WEBHOOK_URL or OPENCX_API_URL with one line and exit 2', async () => {
  const sink = await counter();
  const cwd = mkdtempSync(join(tmpdir(), 'ad-https-'));
  const base = { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', DATABASE_PATH: join(cwd, 'x.db'), PORT: '0' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ SUPPORT_WEBHOOK_URL: `${sink.url}/hook` }, /SUPPORT_WEBHOOK_URL must be an https:\/\/ URL/],
    [{ OPENCX_API_KEY: 'ocx_test_abcdef123456', OPENCX_API_URL: sink.url }, /OPENCX_API_URL must be an https:\/\/ URL/],
  ];
  try {
    const runs = await Promise.all(cases.map(([env]) => new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href, resolve('src/slack/main.ts')], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      // An app that starts instead of refusing is killed and fails the test.
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        done({ code, out });
      });
    })));
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, cases[i]![1]);
      assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
    });
    assert.equal(sink.hits(), 0);
  } finally {
    sink.close();
  }
});
