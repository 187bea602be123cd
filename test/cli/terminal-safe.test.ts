/**
 * The CLI as a process never hands a terminal what an endpoint or a spec planted: generated hostile text (ANSI CSI/OSC
 * sequences, C1 controls, bidi and zero-width characters, lone surrogates…) in an endpoint's status text, headers and
 * body, in the URL, the action name and the session id, and in a spec's paths and operation ids, reaches stdout and
 * stderr only as visible escapes (`\x1b`, `<U+202E>`); with --json as `\u` escapes that parse back to the same text.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, issueServerCert } from '../../src/lab/certs.js';
import { runCli } from '../helpers/run-cli.js';
import { hostileStrings, terminalProblems } from '../helpers/hostile-text.js';

const ATTACK = '\x1b[2J\x1b[H\x1b[32mNo problem found\x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07 \u202Etxt.exe\u200B';
let server: https.Server;
let base: string;
let env: NodeJS.ProcessEnv;
let dir: string;

before(async () => {
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['hostile.test']);
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const g = hostileStrings(Number(/\/(\d+)/.exec(req.url ?? '')?.[1] ?? 1), 6);
    const latin1 = (x: string) => x.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 200);
    res.writeHead(500, latin1(g[0]!) || 'Oops', { 'x-request-id': `r1\x9b31m${latin1(g[1]!)}`, server: latin1(g[2]!), 'content-type': 'text/plain' });
    res.end(`${ATTACK}\n${g.join('\n')}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://hostile.test:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'ad-term-'));
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  env = { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: 'hostile.test=127.0.0.1' };
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

test('diagnose (text, --details, --json) shows planted terminal sequences and never sends them', async () => {
  const runs = await Promise.all(
    [1, 2, 3].flatMap((seed) => {
      const [action, session] = hostileStrings(seed + 50, 2).map((s) => s.replace(/\x00/g, '').slice(0, 300));
      const args = ['diagnose', '--endpoint', `${base}/${seed}/${encodeURIComponent(ATTACK)}`, '--action', `Look up ${action}`, '--session', `ses_${session}`, '--timeout', '10'];
      return [runCli(args, env), runCli([...args, '--details'], env), runCli([...args, '--json'], env)];
    }),
  );
  const problems: string[] = [];
  for (const [i, r] of runs.entries()) {
    assert.ok(r.code === 1, `run ${i}: ${r.stderr.slice(0, 300)}`);
    problems.push(...terminalProblems(`run ${i} stdout`, r.stdout), ...terminalProblems(`run ${i} stderr`, r.stderr));
    if (i % 3 === 2) {
      const doc = JSON.parse(r.stdout) as unknown;
      // The planted text is still there, exactly, for a program reading the JSON.
      assert.ok(JSON.stringify(doc).includes(JSON.stringify(ATTACK).slice(1, -1)), 'the JSON keeps the body as it was');
      assert.match(r.stdout, /\\u001b\[2J/);
      assert.match(r.stdout, /\\u202e/);
    } else if (i % 3 === 1) {
      assert.match(r.stdout, /\\x1b\[2J\\x1b\[H\\x1b\[32mNo problem found/, 'the body is shown, its escape sequences as text');
      assert.match(r.stdout, /<U\+202E>txt\.exe<U\+200B>/);
    }
  }
  assert.deepEqual(problems, []);
});

test('spec: a path and an operation id with terminal sequences are shown, in text and in JSON', async () => {
  const file = join(dir, `spec\x1b[31m\u202E.json`);
  writeFileSync(file, JSON.stringify({
    openapi: '3.0.0', info: { title: 't\x1b]0;pwned\x07', version: '1' },
    paths: { '/orders\x1b[2J\x1b]8;;https://evil/\x07x\u2066': { post: { operationId: 'op\x1b[31mRED\u202E', responses: { 200: { description: 'ok' } } } } },
  }));
  const [text, json] = await Promise.all([runCli(['spec', file], env), runCli(['spec', file, '--json'], env)]);
  assert.deepEqual([...terminalProblems('text', text.stdout + text.stderr), ...terminalProblems('json', json.stdout + json.stderr)], []);
  assert.match(text.stdout, /\/orders\\x1b\[2J\\x1b\]8;;https:\/\/evil\/\\x07x<U\+2066>/);
  assert.match(text.stdout, /op\\x1b\[31mRED<U\+202E>/);
  assert.match(JSON.stringify(JSON.parse(json.stdout)), /op\\u001b\[31mRED\\u202e|op\\u001b\[31mRED\u202E/);
});
