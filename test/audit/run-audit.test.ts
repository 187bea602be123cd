import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startCountingHosts } from '../../src/lab/counting-hosts.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { ACCOUNT_SCENARIOS, accountDataset, labAccount, syntheticActions } from '../../src/fakes/opencx/account.js';
import { OpenCxClient, OpenCxError } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { runAudit, type AuditEvent } from '../../src/audit/run-audit.js';
import { AuditJsonSchema } from '../../src/audit/schema.js';
import { diagnose } from '../../src/registry.js';
import { HostLimiter } from '../../src/net/host-limiter.js';
import type { Action } from '../../src/opencx/schemas.js';

let lab: Lab;
let fake: FakeOpenCx;
before(async () => {
  lab = await startLab({ only: ACCOUNT_SCENARIOS });
  fake = await startFakeOpenCx({ data: accountDataset(lab) });
});
after(async () => {
  await fake?.close();
  await lab?.close();
});

function factsFor(f: FakeOpenCx) {
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: f.key, OPENCX_API_URL: f.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  return new OpenCxFacts(new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! }));
}

test('the realistic account: every action gets the verdict its setup implies, the numbers add up, no host sees more than 2 requests at once', async () => {
  const facts = factsFor(fake);
  const events: AuditEvent[] = [];
  const before = fake.requests.length;
  const result = await runAudit({ facts, diagnose, net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts }, timeoutMs: 10_000, onEvent: (e) => events.push(e) });
  await facts.client.close();
  const account = labAccount(lab);
  assert.ok(account.length >= 50 && new Set(ACCOUNT_SCENARIOS).size >= 5, 'the account is 50+ actions over several hosts');

  const wrong = account
    .map(({ action, expect }) => ({ action, expect, got: result.actions.find((a) => a.id === action.id) }))
    .filter(({ expect, got }) => !got || got.status !== expect.status || got.verdict.cause !== expect.cause || got.verdict.family !== expect.family)
    .map(({ action, expect, got }) => `${action.name}: expected ${expect.status}/${expect.family}/${expect.cause}, got ${got?.status}/${got?.verdict.family}/${got?.verdict.cause}`);
  assert.deepEqual(wrong, []);
  // Broken in every family an action record can show, and behind-a-token actions are not called broken.
  for (const f of ['2', '3', '4'] as const) assert.ok(result.summary.byFamily[f] >= 2, `family ${f}`);
  assert.ok(result.summary.needsCredentials >= 10);

  const s = result.summary;
  assert.equal(s.total, account.length);
  assert.equal(s.ok + s.broken + s.needsCredentials + s.notChecked, s.total);
  assert.equal(Object.values(s.byFamily).reduce((a, b) => a + b, 0), s.broken);
  assert.equal(s.brokenActions.length, s.broken);
  assert.ok(s.brokenActions.every((b) => b.fix.length > 15 && b.title.length > 5));
  assert.ok(s.complete && !s.timedOut);
  assert.ok(AuditJsonSchema.safeParse({ schemaVersion: 1, tool: 'action-debug', kind: 'audit', actions: result.actions, summary: s }).success);

  // Politeness, counted by the lab servers themselves, and no burst in any diagnosis.
  for (const id of ACCOUNT_SCENARIOS) assert.ok(lab.peakInFlight(id) <= 2, `${id} served ${lab.peakInFlight(id)} requests at once`);
  assert.ok(Object.values(result.peakPerHost).every((n) => n <= 2));
  for (const r of result.reports.values()) {
    assert.equal(r.probes.flatMap((p) => p.exchanges).filter((e) => /^burst/.test(e.label)).length, 0);
  }
  // The list is read once for the whole audit (OpenCX allows 100 calls a minute per key).
  assert.equal(fake.requests.slice(before).filter((r) => r.path.startsWith('/actions')).length, 1);

  // Progress: one event per action, each with a running summary that only grows; the last one complete.
  const progress = events.filter((e): e is Extract<AuditEvent, { type: 'action-finished' }> => e.type === 'action-finished');
  assert.equal(progress.length, account.length);
  assert.deepEqual(progress.map((e) => e.summary.done), account.map((_, i) => i + 1));
  assert.equal(events[0]!.type, 'listed');
  assert.equal(events.at(-1)!.type, 'finished');
  // A diagnosed action keeps its report (stored by the Slack face for history); one with no callable endpoint has none.
  for (const a of result.actions) assert.equal(result.reports.has(a.id), a.diagnosisId !== null, a.name);
});

test('hosts are audited in parallel, each with at most 2 requests in flight', async () => {
  const hosts = await startCountingHosts(['a.count.test', 'b.count.test', 'c.count.test'], { delayMs: 30 });
  const actions = syntheticActions(['a.count.test', 'b.count.test', 'c.count.test'].map((n) => hosts.host(n).origin), 9);
  const own = await startFakeOpenCx({ data: { ...demoDataset(), actions } });
  try {
    const facts = factsFor(own);
    const result = await runAudit({ facts, diagnose, net: { allowPrivate: true, extraCa: [hosts.caPem], hosts: hosts.hosts }, timeoutMs: 10_000 });
    await facts.client.close();
    assert.equal(result.summary.ok, 9, JSON.stringify(result.actions.map((a) => a.verdict.title)));
    const [a, b, c] = ['a.count.test', 'b.count.test', 'c.count.test'].map((n) => hosts.host(n));
    for (const h of [a!, b!, c!]) {
      assert.ok(h.peakRequests <= 2, `${h.name}: ${h.peakRequests} requests at once`);
      assert.ok(h.peakConnections <= 2, `${h.name}: ${h.peakConnections} connections at once`);
      assert.ok(h.requests >= 3 * 5, `${h.name} got ${h.requests} requests`);
    }
    // Parallel hosts: some request to b overlapped some request to a (serially, none would).
    const overlaps = a!.intervals.some(([s1, e1]) => b!.intervals.some(([s2, e2]) => s1 < e2 && s2 < e1));
    assert.ok(overlaps, 'hosts a and b were never served at the same time');
  } finally {
    await own.close();
    await hosts.close();
  }
});

test('the whole audit is bounded: past its time limit nothing new starts, and the rest is "not checked"', async () => {
  const hosts = await startCountingHosts(['slow.count.test'], { delayMs: 400 });
  const actions: Action[] = Array.from({ length: 4 }, (_, i) => ({ ...demoDataset().actions[0]!, id: `s${i}`, name: `Slow ${i}`, api_endpoint: `${hosts.host('slow.count.test').origin}/r/${i}` }));
  const own = await startFakeOpenCx({ data: { ...demoDataset(), actions } });
  try {
    const facts = factsFor(own);
    const t0 = Date.now();
    const result = await runAudit({ facts, diagnose, net: { allowPrivate: true, extraCa: [hosts.caPem], hosts: hosts.hosts }, timeoutMs: 3000, maxDurationMs: 200 });
    await facts.client.close();
    const s = result.summary;
    assert.ok(s.timedOut);
    assert.equal(s.total, 4);
    assert.equal(s.notChecked, 3, JSON.stringify(result.actions.map((a) => a.status)));
    assert.equal(s.ok + s.broken + s.needsCredentials + s.notChecked, 4);
    assert.ok(result.actions.filter((a) => a.status === 'not-checked').every((a) => /time limit/.test(a.verdict.title)));
    assert.ok(Date.now() - t0 < 3 * 400 * 4, 'the audit did not stop starting diagnoses');
  } finally {
    await own.close();
    await hosts.close();
  }
});

test('an action list OpenCX refuses is an error the faces can show, not an empty audit', async () => {
  const own = await startFakeOpenCx({ data: demoDataset() });
  try {
    own.fail('/actions', { status: 403, times: 5 });
    const facts = factsFor(own);
    await assert.rejects(runAudit({ facts, diagnose, net: { allowPrivate: true } }), (e: unknown) => e instanceof OpenCxError && e.kind === 'forbidden');
    await facts.client.close();
  } finally {
    await own.close();
  }
});

test('two audits at once sharing the process limiter (as the Slack app does) still keep each host at 2 requests in flight', async () => {
  const hosts = await startCountingHosts(['shared.count.test'], { delayMs: 30 });
  const actions = syntheticActions([hosts.host('shared.count.test').origin], 4);
  const own = await startFakeOpenCx({ data: { ...demoDataset(), actions } });
  try {
    const limiter = new HostLimiter(2);
    const facts = factsFor(own);
    const net = { allowPrivate: true, extraCa: [hosts.caPem], hosts: hosts.hosts };
    const [a, b] = await Promise.all([runAudit({ facts, diagnose, net, limiter, timeoutMs: 10_000 }), runAudit({ facts, diagnose, net, limiter, timeoutMs: 10_000 })]);
    await facts.client.close();
    assert.equal(a.summary.ok + b.summary.ok, 8);
    const h = hosts.host('shared.count.test');
    assert.ok(h.peakRequests <= 2 && h.peakConnections <= 2, `${h.peakRequests} requests, ${h.peakConnections} connections at once`);
  } finally {
    await own.close();
    await hosts.close();
  }
});

test('a saved endpoint that does not parse: the audit names the wrong part, never the URL with its credentials', async () => {
  const KEY = 'sk_live_planted_audit_0123456789';
  const FRAG = 'frag_planted_audit_abcdefghij';
  const own = await startFakeOpenCx({ data: demoDataset({ order: `https://api.acme.test:99999/orders/{id}?api_key=${KEY}#access_token=${FRAG}` }) });
  try {
    const facts = factsFor(own);
    const result = await runAudit({ facts, diagnose, net: { allowPrivate: true }, timeoutMs: 5000 });
    await facts.client.close();
    const order = result.actions.find((a) => a.name === 'Look up order')!;
    assert.equal(order.verdict.cause, 'opencx-saved-endpoint-unusable');
    assert.match(order.verdict.title, /the port 99999 of https:\/\/api\.acme\.test is out of range/);
    const all = JSON.stringify(result);
    assert.ok(!all.includes(KEY) && !all.includes('planted') && !all.includes(FRAG), all.slice(0, 2000));
  } finally {
    await own.close();
  }
});
