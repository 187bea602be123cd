import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeOpenCx, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { ACCOUNT_SCENARIOS, accountDataset, labAccount } from '../../src/fakes/opencx/account.js';
import { AuditJsonSchema } from '../../src/audit/schema.js';
import { runCli } from '../helpers/run-cli.js';

let lab: Lab;
let fake: FakeOpenCx;
let env: NodeJS.ProcessEnv;
let caFile: string;
before(async () => {
  lab = await startLab({ only: ACCOUNT_SCENARIOS });
  fake = await startFakeOpenCx({ data: accountDataset(lab) });
  caFile = lab.caFile(mkdtempSync(join(tmpdir(), 'audit-cli-')));
  env = { OPENCX_API_KEY: fake.key, OPENCX_API_URL: fake.url, ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv() };
});
after(async () => {
  await fake?.close();
  await lab?.close();
});

test('audit --json: the documented document, every action of the account with its verdict, exit 1 when one is broken, no key anywhere', async () => {
  const r = await runCli(['audit', '--json', '--timeout', '10', '--ca', caFile], env, 120_000);
  assert.equal(r.code, 1, r.stderr);
  const doc = AuditJsonSchema.parse(JSON.parse(r.stdout));
  const account = labAccount(lab);
  assert.equal(doc.actions.length, account.length);
  for (const { action, expect } of account) {
    const got = doc.actions.find((a) => a.id === action.id)!;
    assert.equal(got.name, action.name);
    assert.equal(got.method, action.request_type);
    assert.deepEqual({ family: got.verdict.family, cause: got.verdict.cause }, { family: expect.family, cause: expect.cause }, action.name);
  }
  assert.equal(doc.summary.broken, account.filter((a) => a.expect.status === 'broken').length);
  assert.match(r.stderr, /Auditing 51 actions/);
  assert.match(r.stderr, /\[51\/51\]/);
  for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(fake.key));
});

test('audit (text): the counts, one line per broken action with its cause and fix', async () => {
  // A few actions of the account are enough here (the JSON test covers all of them); the machine is shared with other tests.
  const pick = ['Get product', 'Stock', 'Book delivery slot', 'Look up order', 'Callback request'];
  const small = await startFakeOpenCx({ data: { ...accountDataset(lab), actions: labAccount(lab).map((a) => a.action).filter((a) => pick.includes(a.name)) } });
  try {
    const r = await runCli(['audit', '--quiet', '--timeout', '10', '--ca', caFile], { ...env, OPENCX_API_URL: small.url, OPENCX_API_KEY: small.key }, 120_000);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^action-debug audit · 5 actions · 3 broken · 1 need credentials to check · 1 OK · /);
    assert.match(r.stdout, /Family 2 \(401\/403 in production although Test works\): 1\n/);
    assert.match(r.stdout, /✗ Book delivery slot · family 2 · .* \[waf-blocks-opencx-headers\]\n {4}Fix: /);
    assert.match(r.stdout, /✗ Stock · family 4 · .* \[opencx-description-short\]\n {4}Fix: /);
    assert.match(r.stdout, /Need credentials to check .*: Look up order\n/);
  } finally {
    await small.close();
  }
});

test('audit without an OpenCX key, or with a bad flag, is a usage error (exit 2, one line)', async () => {
  const none = await runCli(['audit'], {});
  assert.equal(none.code, 2);
  assert.match(none.stderr, /OPENCX_API_KEY/);
  const schema = await runCli(['schema', 'audit'], {});
  assert.equal(schema.code, 0);
  assert.deepEqual(Object.keys((JSON.parse(schema.stdout) as { properties: object }).properties).filter((k) => k === 'actions' || k === 'summary'), ['actions', 'summary']);
  const bad = await runCli(['audit', '--nope'], env);
  assert.equal(bad.code, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
