import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { seededRandom } from '../helpers/seeded-random.js';

// Issue 17.6: no signed payload, however malformed, stops the app; timestamps beyond Slack's 5 minutes either way are refused.

let h: Harness;
const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);
before(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  h = await startHarness({ only: ['healthy'] });
});
after(async () => {
  await h?.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

const JUNK: unknown[] = [null, 0, -1, 1e308, true, '', 'x'.repeat(5000), [], [null], {}, { id: null }, '__proto__', { __proto__: { polluted: 1 } }, [[[]]], '\u0000\ud800', 'U0ALICE|rate-limit'];

/** Valid deliveries as Slack sends them: the mutations start from these. */
function templates(): Record<string, unknown>[] {
  const click = h.driver.clickPayload({ channel: 'CFUZZ', ts: '1.0001' }, 'ad_follow_up:auth', '00000000-0000-0000-0000-000000000000|auth').payload;
  return [
    click,
    { ...click, actions: [{ ...(click['actions'] as object[])[0], action_id: 'ad_rerun' }] },
    { ...click, actions: [{ ...(click['actions'] as object[])[0], action_id: 'ad_ticket_resolve', value: '1' }] },
    { type: 'view_submission', team: { id: 'T0FAKE' }, user: { id: 'U0ALICE', team_id: 'T0FAKE' }, view: { id: 'V1', callback_id: 'ad_diagnose_modal', private_metadata: '{"channel":"CFUZZ"}', state: { values: { endpoint: { v: { value: 'https://x.example/' } } } } } },
    { type: 'view_submission', team: { id: 'T0FAKE' }, user: { id: 'U0ALICE' }, view: { id: 'V2', callback_id: 'ad_escalate_modal', private_metadata: '{"cardId":"x"}', state: { values: {} } } },
    { type: 'event_callback', team_id: 'T0FAKE', api_app_id: 'A0APP', event_id: 'Ev1', authorizations: [{ team_id: 'T0FAKE', user_id: 'U0BOT', is_bot: true }], event: { type: 'app_mention', user: 'U0ALICE', text: '<@U0BOT> rerun', ts: '2.0', channel: 'CFUZZ', thread_ts: '1.0001' } },
    { type: 'event_callback', team_id: 'T0FAKE', api_app_id: 'A0APP', event_id: 'Ev2', event: { type: 'message', subtype: 'file_share', user: 'U0ALICE', channel: 'CFUZZ', thread_ts: '1.0001', files: [{ id: 'F1', name: 'a.yaml' }] } },
    { type: 'url_verification', challenge: 'c' },
    { type: 'view_closed' },
    { type: 'shortcut', callback_id: 'x' },
  ];
}

/** Replaces one value somewhere in a deep copy with junk (or deletes it). */
function mutate(obj: unknown, r: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const paths: (string | number)[][] = [];
  const walk = (o: unknown, p: (string | number)[]) => {
    if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) {
      paths.push([...p, Array.isArray(o) ? Number(k) : k]);
      walk(v, [...p, Array.isArray(o) ? Number(k) : k]);
    }
  };
  walk(copy, []);
  for (let n = 1 + Math.floor(r() * 3); n > 0 && paths.length; n--) {
    const path = paths[Math.floor(r() * paths.length)]!;
    let parent: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) parent = (parent?.[k] ?? {}) as Record<string | number, unknown>;
    // An earlier mutation may have replaced this branch with a scalar.
    if (!parent || typeof parent !== 'object') continue;
    if (r() < 0.15) delete parent[path.at(-1)!];
    else parent[path.at(-1)!] = JUNK[Math.floor(r() * JUNK.length)];
  }
  return copy;
}

function bodies(count: number): { body: string; type: string }[] {
  const r = seededRandom(1713);
  const FORM = 'application/x-www-form-urlencoded';
  const fixed = [
    { body: 'payload=null', type: FORM }, { body: 'payload=1', type: FORM }, { body: 'payload=%22x%22', type: FORM }, { body: 'payload=%5B%5D', type: FORM },
    { body: 'payload={', type: FORM }, { body: 'payload=%7B%7D', type: FORM }, { body: 'payload=%7B%22type%22%3Anull%7D', type: FORM }, { body: 'payload=a&payload=b', type: FORM },
    { body: 'ssl_check=1&payload=null', type: FORM }, { body: 'ssl_check=1', type: FORM }, { body: '', type: FORM }, { body: 'command=%2Faction-debug&user_id=U1&user_id=U2', type: FORM },
    { body: 'command=%2Faction-debug', type: FORM }, { body: 'text=x', type: FORM },
    { body: 'null', type: 'application/json' }, { body: '[]', type: 'application/json' }, { body: '"x"', type: 'application/json' }, { body: '{', type: 'application/json' },
    { body: '{}', type: 'application/json' }, { body: '{"type":"event_callback","event":null}', type: 'application/json' }, { body: '{"type":"event_callback"}', type: 'application/json' },
    { body: '{"type":"block_actions"}', type: 'application/json' }, { body: '{"type":"view_submission","view":null}', type: 'application/json' },
    { body: '\xff\xfe\x00', type: 'application/json' }, { body: 'payload=null', type: `${FORM}; charset=utf-8` }, { body: 'null', type: 'text/plain' },
  ];
  const out = [...fixed];
  const base = templates();
  while (out.length < count) {
    const t = base[Math.floor(r() * base.length)]!;
    const m = mutate(t, r);
    const asForm = (m as { type?: unknown }).type !== 'event_callback' && (m as { type?: unknown }).type !== 'url_verification';
    out.push(asForm ? { body: new URLSearchParams({ payload: JSON.stringify(m) }).toString(), type: FORM } : { body: JSON.stringify(m), type: 'application/json' });
    // Slash commands with fields of the wrong kind (repeated, missing, huge).
    const { form } = h.driver.commandForm(r() < 0.5 ? '' : 'ses_1 x https://x.example/ spec=/etc/passwd', { channel: 'CFUZZ' });
    const q = new URLSearchParams(form);
    const keys = [...q.keys()];
    const k = keys[Math.floor(r() * keys.length)]!;
    if (r() < 0.3) q.delete(k);
    else if (r() < 0.5) q.append(k, 'again');
    else q.set(k, String(JUNK[Math.floor(r() * JUNK.length)]));
    out.push({ body: q.toString(), type: FORM });
  }
  return out.slice(0, count);
}

test('a few hundred signed malformed deliveries: each answered, the process stays up, and a real command still works', { timeout: 180_000 }, async () => {
  const all = bodies(400);
  const statuses = new Map<number, number>();
  // In batches, as Slack would deliver them concurrently.
  for (let i = 0; i < all.length; i += 25) {
    const batch = await Promise.all(all.slice(i, i + 25).map(async ({ body, type }) => {
      // An unanswered delivery counts as -1 rather than hanging the test.
      return Promise.race([h.driver.post(body, type).then((d) => d.status, () => -2), new Promise<number>((r) => setTimeout(() => r(-1), 10_000).unref())]);
    }));
    for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  assert.equal(crashes.length, 0, `uncaught: ${crashes.map(String).join('; ')}`);
  for (const s of statuses.keys()) assert.ok([200, 400, 401, 404, 500].includes(s), `status ${s} (-1: no answer in 10 s, -2: connection dropped): ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(400) ?? 0) >= 20, `malformed bodies are refused with 400 (${JSON.stringify([...statuses])})`);
  const ok = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CFUZZOK' });
  assert.match(String(ok.json?.['text']), /Diagnosing GET/);
  await h.slack.waitFor(() => finalCard(h.slack, 'CFUZZOK'), 20_000, 'a card after the fuzzing');
  assert.equal(crashes.length, 0);
});

test('signed payload=null, ssl_check with a smuggled payload, and garbage are answered without a crash', async () => {
  const FORM = 'application/x-www-form-urlencoded';
  assert.equal((await h.driver.post('payload=null', FORM)).status, 400);
  assert.equal((await h.driver.post('payload=%5B1%5D', FORM)).status, 400);
  assert.equal((await h.driver.post('null', 'application/json')).status, 400);
  const ssl = await fetch(h.driver.eventsUrl, { method: 'POST', headers: { 'content-type': FORM }, body: 'ssl_check=1&payload=null' });
  assert.equal(ssl.status, 200);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(crashes.length, 0);
});

test('every spelling of the events path that Bolt would take passes the same checks (dot segments, %2e, a fragment)', async () => {
  const FORM = 'application/x-www-form-urlencoded';
  const url = new URL(h.driver.eventsUrl);
  // Sent as raw request targets (fetch would normalise them before sending); each is signed, so only the checks refuse it.
  const raw = (path: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = h.driver.signedHeaders(body, FORM, {});
      const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // Bounded: an unguarded Bolt throws on payload=null and never answers; that is a failure (status 0), not a hang.
      req.setTimeout(5000, () => (req.destroy(), resolve(0)));
      req.on('error', (e) => (req.destroyed ? resolve(0) : reject(e)));
      req.end(body);
    });
  for (const path of ['/slack/./events', '/slack/%2e/events', '/slack/x/../events', '/slack/events#frag', '/./slack/events?x=1']) {
    assert.equal(await raw(path, 'payload=null'), 400, `${path}: a signed payload=null must be refused before Bolt`);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(crashes.length, 0);
});

test('a correctly signed request stamped more than 5 minutes in the future (or past) is refused and starts nothing', async () => {
  const { form } = h.driver.commandForm(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CFUTURE' });
  const now = Math.floor(Date.now() / 1000);
  // 302, not 301: the app reads its clock a moment after `now`, and a second boundary crossed in between made 301 exactly 300.
  for (const ts of [now + 302, now + 3600, now + 86_400 * 365, now - 301]) {
    const d = await h.driver.post(form, 'application/x-www-form-urlencoded', {}, ts);
    assert.equal(d.status, 401, `timestamp ${ts - now} s from now`);
  }
  const near = await h.driver.post(h.driver.commandForm(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CFUTURE2' }).form, 'application/x-www-form-urlencoded', {}, now + 60);
  assert.equal(near.status, 200, 'a minute of clock skew is fine');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(h.slack.channel('CFUTURE').length, 0);
});
