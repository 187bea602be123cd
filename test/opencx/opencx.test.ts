import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenCx, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { OpenCxClient, OpenCxError } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { Secret } from '../../src/core/secret.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { runDiagnosis } from '../../src/pipeline/run.js';
import { resolveFromOpenCx } from '../../src/opencx/resolve-input.js';
import { opencxActionProbe } from '../../src/probes/opencx-action.js';
import { opencxChannelProbe } from '../../src/probes/opencx-channel.js';
import { opencxSegmentsProbe } from '../../src/probes/opencx-segments.js';
import { opencxDescriptionProbe } from '../../src/probes/opencx-description.js';
import { opencxHistoryProbe } from '../../src/probes/opencx-history.js';
import { verdictCard } from '../../src/render/blocks.js';
import { blocksToText } from '../../src/render/blocks-text.js';

const PROBES = [opencxActionProbe, opencxChannelProbe, opencxSegmentsProbe, opencxDescriptionProbe, opencxHistoryProbe];
let api: FakeOpenCx;
before(async () => {
  api = await startFakeOpenCx({ key: 'ocx_live_planted_secret_key_42' });
});
after(async () => api.close());

function client(over: Record<string, string> = {}) {
  // 600 ms: short enough that the 1 s delay below times out, long enough for a first request on a busy test runner.
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_TIMEOUT_MS: '600', ACTION_DEBUG_ALLOW_PRIVATE: '1', ...over });
  return new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! }, (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))));
}
const diagnose = (draft: { action?: string; session?: string; endpoint?: string }, c = client()) =>
  runDiagnosis(parseDiagnosisInput({ endpoint: 'https://api.acme.test/orders/{id}', ...draft }), { probes: PROBES, checks: [], services: { opencx: new OpenCxFacts(c) }, baseline: false }); // OpenCX-side checks alone: the endpoint is not called
const ids = (r: Awaited<ReturnType<typeof diagnose>>) => r.findings.map((f) => f.id);

test('client: typed answers; 429 is retried honouring Retry-After; 404 is not retried', async () => {
  const c = client();
  assert.equal((await c.listActions()).length, 6);
  api.fail('/actions', { status: 429, retryAfter: 0, times: 1 });
  const before429 = api.requests.length;
  assert.equal((await c.listActions()).length, 6);
  assert.equal(api.requests.length - before429, 2, 'one 429, one retry');
  const n = api.requests.length;
  await assert.rejects(c.session('nope'), (e: unknown) => e instanceof OpenCxError && e.kind === 'not_found' && /no session nope \(404\)/.test(e.message));
  assert.equal(api.requests.length - n, 1);
});

test('client: 500s give up after bounded attempts; timeout, HTML and a missing field are named', async () => {
  const c = client();
  api.fail('/chat/sessions/ses_web', { status: 500, times: 5 });
  await assert.rejects(c.session('ses_web'), (e: unknown) => e instanceof OpenCxError && e.kind === 'unavailable');
  api.fail('/chat/sessions/ses_web', { delayMs: 1000 });
  await assert.rejects(c.session('ses_web'), (e: unknown) => e instanceof OpenCxError && e.kind === 'timeout');
  api.fail('/actions', { html: true });
  await assert.rejects(c.listActions(), /an HTML page/);
  // A record without a name is left out and reported, the list itself survives (test/opencx/real-accounts.test.ts).
  api.fail('/actions', { malformed: true });
  const odd = await c.actionList();
  assert.deepEqual(odd.actions, []);
  assert.match(odd.odd[0]!.problems.join(), /^name: /);
  api.fail('/chat/sessions/ses_web', { malformed: true });
  await assert.rejects(c.session('ses_web'), /unexpected shape: id/);
  const bad = new OpenCxClient({ ...OpenCxSettingsSchema.parse({ OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' }), OPENCX_API_KEY: new Secret('ocx_live_revoked') });
  await assert.rejects(bad.listActions(), (e: unknown) => e instanceof OpenCxError && e.kind === 'unauthorized' && !e.message.includes('revoked'));
});

test('family 4: the channel toggle is off for an email session', async () => {
  const r = await diagnose({ action: 'Look up order', session: 'ses_email' });
  assert.equal(r.verdict.family, 4);
  assert.equal(r.verdict.cause, 'opencx-channel-off');
  assert.match(r.findings[0]!.evidence.join(' '), /email.*widget/);
});

test('family 4: unknown action gets "did you mean"; vague, short and overlapping descriptions; anonymous contact', async () => {
  const missing = await diagnose({ action: 'Lookup order', session: 'ses_web' });
  assert.equal(missing.verdict.cause, 'opencx-action-missing');
  assert.match(missing.verdict.fix, /Did you mean "Look up order"\?/);
  const short = await diagnose({ action: 'Refund', session: 'ses_web' });
  assert.ok(ids(short).includes('opencx-description-short'));
  const overlapping = await diagnose({ action: 'Track order', session: 'ses_web', endpoint: 'https://api.acme.test/track/{id}' });
  const o = overlapping.findings.find((f) => f.id === 'opencx-description-overlap')!;
  assert.match(o.evidence.join('\n'), /"Look up order": "Look up an order by ID/);
  const anon = await diagnose({ action: 'Look up order', session: 'ses_anon' });
  assert.ok(ids(anon).includes('opencx-contact-anonymous'));
  const vip = await diagnose({ action: 'Look up order', session: 'ses_web' });
  assert.equal(vip.verdict.cause, 'opencx-description-overlap', 'Look up order and Track order read alike');
  assert.match(vip.findings.find((f) => f.id === 'opencx-contact-segments')!.evidence[0]!, /VIP customers/);
});

test('family 4: a handoff with insufficient_tools and the customer message that should have triggered it', async () => {
  const r = await diagnose({ action: 'Look up order', session: 'ses_handoff' });
  assert.equal(r.verdict.cause, 'opencx-handoff-insufficient-tools');
  const asked = r.findings.find((f) => f.id === 'opencx-session-messages')!;
  assert.match(asked.evidence[0]!, /Where is my order 1234/);
});

test('the saved endpoint: resolved from the action, and a mismatch is flagged', async () => {
  const facts = new OpenCxFacts(client());
  const draft = await resolveFromOpenCx({ endpoint: '', action: 'Update address', session: 'ses_web' }, facts);
  assert.equal(draft.endpoint, 'https://api.acme.test/orders/{id}/address');
  assert.equal(draft.method, 'PATCH');
  const r = await diagnose({ action: 'Look up order', session: 'ses_web', endpoint: 'https://api.acme.test/v2/orders/{id}' });
  assert.ok(ids(r).includes('opencx-endpoint-mismatch'));
});

test('OpenCX down or the session unknown: every other probe still runs and the report says what could not be read', async () => {
  api.fail('/chat/sessions/ses_web', { status: 500, times: 10 });
  const r = await diagnose({ action: 'Look up order', session: 'ses_web' });
  const channel = r.probes.find((p) => p.id === 'opencx-channel')!;
  assert.equal(channel.status, 'error');
  assert.match(channel.summary, /OpenCX failed to answer session ses_web \(500\)/);
  assert.equal(r.probes.find((p) => p.id === 'opencx-action')!.status, 'passed');
  const card = blocksToText(verdictCard({ cardId: 'c', action: 'Look up order', session: 'ses_web', endpoint: r.input.endpoint, method: 'GET', requestedBy: 'U1' }, r).blocks);
  assert.match(card, /Could not check: Action channel toggle: could not run: OpenCX failed to answer session ses_web \(500\)/);
  const unknown = await diagnose({ action: 'Look up order', session: 'ses_missing' });
  assert.match(unknown.probes.find((p) => p.id === 'opencx-history')!.summary, /no session ses_missing \(404\)/);
  const json = JSON.stringify([r, unknown]);
  assert.ok(!json.includes(api.key), 'the API key never appears');
});

test('without a key every OpenCX probe says "not checked (no OpenCX key)"', async () => {
  const r = await runDiagnosis(parseDiagnosisInput({ endpoint: 'https://api.acme.test/x', action: 'a', session: 's' }), { probes: PROBES, checks: [] });
  assert.deepEqual([...new Set(r.probes.map((p) => `${p.status}: ${p.summary}`))], ['skipped: not checked (no OpenCX key: set OPENCX_API_KEY)']);
});
