import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenCx, demoDataset, busyHandoffs, SCOPES, type FakeOpenCx, type Scope } from '../../src/fakes/opencx/server.js';
import { OpenCxClient, OpenCxError } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { runDiagnosis } from '../../src/pipeline/run.js';
import { opencxActionProbe } from '../../src/probes/opencx-action.js';
import { opencxChannelProbe } from '../../src/probes/opencx-channel.js';
import { opencxSegmentsProbe } from '../../src/probes/opencx-segments.js';
import { opencxDescriptionProbe } from '../../src/probes/opencx-description.js';
import { opencxHistoryProbe } from '../../src/probes/opencx-history.js';

const PROBES = [opencxActionProbe, opencxChannelProbe, opencxSegmentsProbe, opencxDescriptionProbe, opencxHistoryProbe];
const DAY = 24 * 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let api: FakeOpenCx;
before(async () => {
  const data = demoDataset();
  // An older session (60 days ago: outside OpenCX's default 30-day window) handed off for lack of tools.
  const old = Date.now() - 60 * DAY;
  data.sessions['ses_old'] = { ...data.sessions['ses_handoff']!, id: 'ses_old', created_at: iso(old), updated_at: iso(old + 20 * 60_000) };
  data.history['ses_old'] = data.history['ses_handoff']!;
  data.handoffs.push({ session_id: 'ses_old', reasons: ['insufficient_tools'], summary: 'No tool for the order status', created_at: iso(old + 10 * 60_000) });
  // A busy organisation: a recent session whose handoff sits behind 45 newer ones of other sessions (page size 10).
  const recent = Date.now() - 2 * DAY;
  data.sessions['ses_busy'] = { ...data.sessions['ses_handoff']!, id: 'ses_busy', created_at: iso(recent), updated_at: iso(recent + 30 * 60_000) };
  data.history['ses_busy'] = data.history['ses_handoff']!;
  data.handoffs.push({ session_id: 'ses_busy', reasons: ['insufficient_tools', 'insufficient_knowledge'], summary: 'Could not look the order up', created_at: iso(recent + 15 * 60_000) });
  data.handoffs.push(...busyHandoffs(45, iso(recent + 20 * 60 * 60_000), 20));
  api = await startFakeOpenCx({ key: 'ocx_live_full_access_planted_7', data, pageSize: 10 });
});
after(async () => api.close());

function client(key = api.key) {
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: key, OPENCX_API_URL: api.url, OPENCX_TIMEOUT_MS: '2000', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  return new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! }, (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))));
}
async function diagnose(draft: { action?: string; session?: string; endpoint?: string }, key = api.key) {
  const c = client(key);
  try {
    return await runDiagnosis(parseDiagnosisInput({ endpoint: 'https://api.acme.test/orders/{id}', ...draft }), { probes: PROBES, checks: [], services: { opencx: new OpenCxFacts(c) } });
  } finally {
    await c.close();
  }
}
const probe = (r: Awaited<ReturnType<typeof diagnose>>, id: string) => r.probes.find((p) => p.id === id)!;

test('the fake follows the reference: 401 for an unknown key, 400 for an unknown reason or a date that is not ISO 8601', async () => {
  const get = (path: string, key = api.key) => fetch(api.url + path, { headers: { authorization: `Bearer ${key}` } });
  assert.equal((await get('/actions', 'ocx_live_nope')).status, 401);
  assert.equal((await get('/handoff-analytics/events?reason=broken_tools')).status, 400);
  assert.equal((await get('/handoff-analytics/events?reason=insufficient_tools&start_date=yesterday')).status, 400);
  const page = (await (await get('/handoff-analytics/events?reason=insufficient_tools')).json()) as { items: { session_id: string }[]; next: string | null; total: number };
  assert.equal(page.items.length, 10, 'one page of 10');
  assert.ok(page.next, 'more pages');
  assert.ok(!page.items.some((h) => h.session_id === 'ses_old'), 'the default window (30 days) does not reach a 60-day-old session');
});

test('/actions is read record by record: odd records are reported, the rest kept, and each check loses only what it cannot read', async () => {
  const c = client();
  const { actions, odd } = await c.actionList();
  await c.close();
  assert.deepEqual(actions.map((a) => a.id), ['act_1', 'act_2', 'act_3', 'act_4', 'act_odd_1', 'act_odd_2']);
  assert.deepEqual(odd.map((o) => [o.id, o.kept, o.dropped]), [['act_odd_1', true, ['enabled_on_channel']], ['act_odd_2', true, ['enabled_on_channel']], ['act_odd_3', false, []]]);
  assert.match(odd[1]!.problems.join(), /enabled_on_channel\.channels/);
  assert.equal(actions.find((a) => a.id === 'act_odd_2')!.is_handoff_like, null, 'is_handoff_like: null is read as unknown, not an error');

  // The list is not lost: the channel check of a well-formed action still runs.
  const email = await diagnose({ action: 'Look up order', session: 'ses_email' });
  assert.equal(email.verdict.cause, 'opencx-channel-off');
  assert.match(probe(email, 'opencx-action').facts['unreadable records'] as string, /"Check stock" \(act_odd_2\): enabled_on_channel\.channels: .*read without enabled_on_channel/);
  assert.ok(!email.findings.some((f) => f.id === 'opencx-action-record-unreadable'), 'another action\'s odd record is a fact, not a finding');

  // The odd action itself: found, its channel toggle unknown (not "off"), its description still checked.
  const stock = await diagnose({ action: 'Check stock', session: 'ses_email', endpoint: 'https://api.acme.test/stock/{sku}' });
  const channel = probe(stock, 'opencx-channel');
  assert.equal(channel.status, 'passed');
  assert.match(channel.summary, /unknown: OpenCX sent the action's channels in an undocumented shape \(enabled_on_channel\.channels: /);
  assert.match(String(channel.facts['enabled on']), /^\(unreadable: /);
  assert.ok(!stock.findings.some((f) => f.id === 'opencx-channel-off'));
  assert.ok(stock.findings.some((f) => f.id === 'opencx-action-record-unreadable' && /act_odd_2/.test(f.evidence[0]!)));
  assert.equal(probe(stock, 'opencx-description').status, 'passed');
});

test('handoff events are searched around the session\'s dates and paged until the session shows up', async () => {
  const before = api.requests.length;
  const old = await diagnose({ action: 'Look up order', session: 'ses_old' });
  assert.ok(old.findings.some((f) => f.id === 'opencx-handoff-insufficient-tools'), 'a 60-day-old handoff is found');
  const asked = api.requests.slice(before).filter((r) => r.path.startsWith('/handoff-analytics/events'));
  assert.equal(asked.length, 1);
  const q = new URL(asked[0]!.path, 'http://x').searchParams;
  const created = Date.parse(api.data.sessions['ses_old']!.created_at!);
  assert.ok(Date.parse(q.get('start_date')!) <= created && Date.parse(q.get('end_date')!) > created, 'the window covers the session');

  const busy = await diagnose({ action: 'Look up order', session: 'ses_busy' });
  const h = busy.findings.find((f) => f.id === 'opencx-handoff-insufficient-tools');
  assert.ok(h, 'found behind 45 newer handoffs of other sessions');
  assert.match(h.evidence.join(), /insufficient_tools, insufficient_knowledge/);
  const facts = probe(busy, 'opencx-history').facts;
  assert.equal(facts['insufficient_tools handoffs'], 1);
  assert.match(String(facts['handoffs searched']), /, [4-6] page\(s\)$/);

  const none = await diagnose({ action: 'Look up order', session: 'ses_web' });
  assert.equal(probe(none, 'opencx-history').facts['insufficient_tools handoffs'], 0);
  assert.ok(!none.findings.some((f) => f.id === 'opencx-handoff-insufficient-tools'));
});

const NEEDS: Record<Exclude<Scope, 'contacts:read'>, string[]> = {
  'actions:read': ['opencx-action', 'opencx-channel', 'opencx-description'],
  'chat-sessions:read': ['opencx-channel', 'opencx-segments'],
  'segments:read': ['opencx-segments'],
  'handoff-analytics:read': [],
};

test('a key without one scope: exactly the checks that need it fail, each naming that scope; the history keeps what it could read', async () => {
  for (const [missing, fails] of Object.entries(NEEDS) as [keyof typeof NEEDS, string[]][]) {
    const key = `ocx_live_scoped_without_${missing.replace(/\W/g, '_')}`;
    api.addKey(key, SCOPES.filter((s) => s !== missing));
    const r = await diagnose({ action: 'Look up order', session: 'ses_handoff' }, key);
    const failed = r.probes.filter((p) => p.status === 'error').map((p) => p.id).sort();
    assert.deepEqual(failed, [...fails].sort(), `without ${missing}`);
    for (const p of r.probes.filter((x) => x.status === 'error')) {
      assert.match(p.summary, new RegExp(`lacks the scope ${missing}, needed to read .* \\(403\\): add ${missing} to the key`), `${p.id} without ${missing}`);
      for (const other of SCOPES.filter((s) => s !== missing)) assert.ok(!p.summary.includes(other), `${p.id} names only the missing scope`);
    }
    const history = probe(r, 'opencx-history');
    if (missing === 'chat-sessions:read') {
      assert.equal(history.facts['status'], null);
      assert.equal(history.facts['messages'], null);
      assert.match(String(history.facts['not read']), /the session: .*chat-sessions:read/);
    } else {
      assert.equal(history.status, missing === 'handoff-analytics:read' ? 'passed' : 'failed', `without ${missing}: the session, its messages and (with the scope) its handoff are read`);
      assert.equal(history.facts['status'], 'closed_unresolved');
      assert.equal(history.facts['messages'], 3);
    }
    if (missing === 'handoff-analytics:read') {
      assert.equal(history.facts['insufficient_tools handoffs'], null);
      assert.match(String(history.facts['not read']), /its handoff events: the OpenCX API key lacks the scope handoff-analytics:read/);
      assert.ok(r.findings.some((f) => f.id === 'opencx-session-messages'), 'the messages still give their finding');
      const partial = r.findings.find((f) => f.id === 'opencx-history-partial');
      assert.match(partial?.evidence.join() ?? '', /Not read: its handoff events: .*lacks the scope handoff-analytics:read/, 'the report says what was not read, and why');
      assert.notEqual(r.verdict.cause, 'opencx-history-partial', 'a fact worth knowing, never the verdict');
    }
    assert.ok(!JSON.stringify(r).includes(key), 'the key never appears');
  }
  const c = client('ocx_live_scoped_without_segments_read');
  await assert.rejects(c.contactSegments('con_vip'), (e: unknown) => e instanceof OpenCxError && e.kind === 'forbidden' && e.scope === 'segments:read' && e.status === 403);
  await c.close();
});
