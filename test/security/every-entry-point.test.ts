import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { until } from '../helpers/until.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import type { Action } from '../../src/opencx/schemas.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { WatchSettingsSchema } from '../../src/watch/settings.js';
import { silentLogger } from '../../src/log.js';
import { interruptedCard } from '../../src/render/interrupted-card.js';
import { interruptedAuditCard } from '../../src/render/audit-blocks.js';
import { BUTTONS, classifyButton, type ButtonClass, type ButtonName } from '../../src/slack/buttons.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { workPayload } from '../../src/slack/diagnose-flow.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

// Every entry point passes one gate. The buttons are not a hand-written list: they are every action_id the bot really
// posted (a diagnosis card and its thread, an audit card and the card it opens, a ticket, a watch post) plus what the
// restart renderers draw (an interrupted card, an interrupted audit). Each is clicked, with the value it carries, by
// someone outside the allow-list, from another workspace, from a channel not allowed, and from another allowed channel;
// each is refused and nothing runs: no request to the endpoints or to OpenCX, no message, no card update, no form, no
// work row, no ticket change.

const ALLOWED = { team: 'T0FAKE', users: ['U0ALICE', 'U0SUPPORT'], channels: ['CG1', 'CG2', 'CSUPPORT'] };

let lab: Lab;
let api: FakeOpenCx;
let client: OpenCxClient;
let store: SqliteStore;
let worker: OutboxWorker;
let h: Harness;

const action = (id: string, name: string, endpoint: string): Action => ({
  id, name, description: `${name} for the gate test`, api_endpoint: endpoint, request_type: 'GET', operation_id: null, payload: {}, status: 'live',
  enabled_on_channel: { channels: ['web'] }, pinned: false, tags: [], is_handoff_like: false, require_form_submission: false, created_at: '2026-11-23T09:00:00Z', updated_at: '2026-11-23T09:00:00Z',
} as Action);

before(async () => {
  lab = await startLab({ only: ['healthy', 'waf-opencx-headers'] });
  const url = (id: string) => lab.scenarios.find((s) => s.id === id)!.url;
  api = await startFakeOpenCx({ data: { ...demoDataset(), actions: [action('act_b', 'Blocked lookup', url('waf-opencx-headers')), action('act_h', 'Healthy lookup', url('healthy'))] } });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_REQUESTS_PER_MINUTE: '99', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-every-')), 'bot.db'));
  let send: ReturnType<typeof slackSenders> | null = null;
  worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT' }), silentLogger);
  h = await startHarness({
    lab,
    settings: { ALLOWED_TEAM_IDS: ALLOWED.team, ALLOWED_USER_IDS: ALLOWED.users.join(','), ALLOWED_CHANNEL_IDS: ALLOWED.channels.join(','), SUPPORT_USER_IDS: 'U0SUPPORT' },
    deps: {
      store, support, outbox: worker, services: { opencx: new OpenCxFacts(client) },
      watch: WatchSettingsSchema.parse({ WATCH_MIN_INTERVAL_MINUTES: '0.005', WATCH_TICK_SECONDS: '0.3' }),
    },
  });
  send = slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
  worker.start();
});
after(async () => {
  await h?.close();
  await worker?.stop();
  await client?.close();
  await api?.close();
  await store?.close();
  await lab?.close();
});

interface Rendered { actionId: string; value: string; at: { channel: string; ts: string }; where: string }

/** Every button in these blocks, with where it was shown. */
function buttonsIn(blocks: unknown, at: { channel: string; ts: string }, where: string): Rendered[] {
  const out: Rendered[] = [];
  const stack: unknown[] = [blocks];
  while (stack.length) {
    const b = stack.pop();
    if (Array.isArray(b)) stack.push(...b);
    else if (b && typeof b === 'object') {
      const o = b as Record<string, unknown>;
      if (o['type'] === 'button' && typeof o['action_id'] === 'string') out.push({ actionId: o['action_id'], value: String(o['value'] ?? ''), at, where });
      stack.push(...Object.values(o));
    }
  }
  return out;
}

/** What "nothing ran" is measured by. */
function snapshot() {
  const visible = h.slack.messages.filter((m) => !m.ephemeralTo);
  return {
    endpointHits: h.lab.requests('healthy').length + h.lab.requests('waf-opencx-headers').length,
    opencxCalls: api.requests.length,
    messages: visible.length,
    versions: visible.reduce((n, m) => n + m.versions.length, 0),
    views: h.slack.views.length,
    downloads: h.slack.downloads.length,
    // A mention is recorded before Slack's ack (durable-events.ts) and, refused, finished as not handled: what it would
    // run shows as messages and hits above. Every other piece of work is a row only once a listener took it.
    work: (store.db.prepare("SELECT count(*) n FROM work WHERE kind != 'mention'").get() as { n: number }).n,
    mentionsHandled: (store.db.prepare("SELECT count(*) n FROM work WHERE kind = 'mention' AND outcome IS NOT NULL AND outcome != 'not-handled'").get() as { n: number }).n,
    tickets: JSON.stringify(store.db.prepare('SELECT number, status FROM tickets ORDER BY number').all()),
    watches: (store.db.prepare("SELECT count(*) n FROM watches WHERE stopped_at IS NULL").get() as { n: number }).n,
  };
}

/** Bounded wait until no work runs, the outbox is empty and nothing visible changed for 600 ms. */
async function settled(): Promise<void> {
  let last = '';
  let since = Date.now();
  await until(async () => {
    const busy = (store.db.prepare("SELECT count(*) n FROM work WHERE state != 'done'").get() as { n: number }).n
      + (store.db.prepare('SELECT count(*) n FROM outbox WHERE sent_at IS NULL').get() as { n: number }).n;
    const now = JSON.stringify(snapshot());
    if (now !== last || busy) [last, since] = [now, Date.now()];
    return Date.now() - since >= 600;
  }, 30_000, 'everything started to settle');
}

const answerTo = (d: { responseUrl: string }) => h.slack.waitFor(() => h.slack.responses.find((r) => r.id === d.responseUrl.split('/').pop()), 5000, 'the answer to the click');
const auditCardIn = (channel: string) => h.slack.channel(channel).find((m) => /^action-debug audit/.test(m.text) || m.versions.some((v) => /^action-debug audit/.test(v.text)));

let rendered: Rendered[] = [];

test('the bot renders buttons: a card and its thread, an audit and the card it opens, a ticket, a watch post, the restart cards', async () => {
  // A diagnosis card whose verdict offers a follow-up (a WAF blocking OpenCX's headers).
  await h.driver.command(`ses_web "Blocked lookup" ${h.lab.scenarios.find((s) => s.id === 'waf-opencx-headers')!.url}`, { channel: 'CG1', user: 'U0ALICE' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CG1'), 30_000, 'the card');
  await h.slack.waitFor(() => h.slack.thread('CG1', card.ts).some((m) => JSON.stringify(m.blocks).includes('ad_follow_up:')), 10_000, 'the follow-ups in the thread')
    .catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify([card, ...h.slack.thread('CG1', card.ts)].map((m) => m.text))}`));
  const cardId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
  await until(async () => (await store.cardDiagnoses(cardId)).length > 0, 5000, 'the diagnosis stored');

  // An audit: its card has an Open card button on the broken line; opening it posts that action's card in the audit's thread.
  await h.driver.command('audit', { channel: 'CG1', user: 'U0ALICE' });
  const audit = await h.slack.waitFor(() => { const m = auditCardIn('CG1'); return m && JSON.stringify(m.blocks).includes('ad_audit_open') && /2\/2|of 2 actions/i.test(JSON.stringify(m.blocks)) ? m : null; }, 60_000, 'the finished audit');
  const open = buttonsIn(audit.blocks, audit, 'audit').find((b) => b.actionId === 'ad_audit_open')!;
  const opened = await h.driver.click(audit, open.actionId, open.value, { user: 'U0ALICE' });
  assert.equal(opened.status, 200);
  await h.slack.waitFor(() => h.slack.thread('CG1', audit.ts).some((m) => JSON.stringify(m.blocks).includes('"ad_rerun"')), 20_000, 'the audited card opened in the thread');

  // A ticket: escalated through the form, announced in the support channel with its Mark resolved button.
  await h.driver.click(card, 'ad_escalate', cardId, { user: 'U0ALICE' });
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId })), 5000, 'the escalation form');
  await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: 'x' } }, impact: { v: { value: 'y' } }, urgency: { v: { selected_option: { value: 'low' } } },
  }, { user: 'U0ALICE' });
  await h.slack.waitFor(() => h.slack.channel('CSUPPORT').find((m) => JSON.stringify(m.blocks).includes('ad_ticket_resolve')), 10_000, 'the ticket in the support channel');

  // A watch post (its first run posts what it finds), then the watch stops so nothing runs on its own below.
  await h.driver.command('watch "Blocked lookup" every=1s', { channel: 'CG1', user: 'U0ALICE' });
  await h.slack.waitFor(() => h.slack.channel('CG1').find((m) => /Watch on/.test(JSON.stringify(m.blocks))), 20_000, 'the watch post');
  await h.driver.command('watch stop all', { channel: 'CG1', user: 'U0ALICE' });

  // Everything started above has finished (no work running, the outbox sent, nothing changing for a while), so what
  // the outsiders' clicks are measured against below is not still moving.
  await settled();

  for (const m of h.slack.messages.filter((x) => !x.ephemeralTo)) {
    for (const v of [...m.versions, { blocks: m.blocks }]) rendered.push(...buttonsIn(v.blocks, { channel: m.channel, ts: m.ts }, `${m.channel} ${m.text.slice(0, 40)}`));
  }
  // Restart cards are drawn only after a crash: their renderers' buttons, placed where they would replace the card.
  rendered.push(...buttonsIn(interruptedCard({ cardId, action: 'Blocked lookup', session: null, endpoint: 'https://x.example/', method: 'GET', requestedBy: 'U0ALICE' }, 'Press Re-run.').blocks, card, 'interrupted card'));
  rendered.push(...buttonsIn(interruptedAuditCard('U0ALICE', 'Press Audit again.').blocks, audit, 'interrupted audit'));
  rendered = [...new Map(rendered.map((r) => [`${r.actionId} ${r.value} ${r.at.channel} ${r.at.ts}`, r])).values()];

  // Every rendered id is a row of the one table the gate and the listeners use, and every row is rendered somewhere
  // (a row nothing renders would be a listener reachable by forged clicks only).
  const unknown = rendered.filter((r) => !classifyButton(r.actionId));
  assert.deepEqual(unknown.map((r) => `${r.actionId} (${r.where})`), [], 'buttons rendered that the gate does not know');
  const rows = new Set(rendered.map((r) => classifyButton(r.actionId)!.name));
  assert.deepEqual((Object.keys(BUTTONS) as ButtonName[]).filter((n) => !rows.has(n)), [], 'rows of the button table nothing renders');
});

interface Outsider { name: string; who: { user: string; team?: string }; channel?: string; refused: RegExp; applies(c: ButtonClass, name: ButtonName): boolean }

const OUTSIDERS: Outsider[] = [
  { name: 'a user outside the allow-list', who: { user: 'U0EVE' }, refused: /limited to a few people|Only the support team/, applies: () => true },
  { name: 'another workspace', who: { user: 'U0ALICE', team: 'T0OTHER' }, refused: /not enabled for this workspace|belongs to another channel or workspace/, applies: () => true },
  // Resolving a ticket is the support team's, wherever the ticket is shown: no channel rule applies to it.
  { name: 'a channel not allowed', who: { user: 'U0ALICE' }, channel: 'CEVIL', refused: /not enabled in this channel|belongs to another channel or workspace/, applies: (c) => c !== 'ticket' },
  // Another allowed channel: a card (and an audited line) is acted on only where it was posted. "Audit again" audits
  // the clicker's own workspace wherever they click it, so it is no outsider's button there.
  { name: 'another allowed channel', who: { user: 'U0ALICE' }, channel: 'CG2', refused: /belongs to another channel or workspace/, applies: (c, n) => c !== 'ticket' && n !== 'auditAgain' },
];

for (const o of OUTSIDERS) {
  test(`every rendered button, clicked by ${o.name}: refused, and nothing runs`, async () => {
    assert.ok(rendered.length >= 8, 'the buttons were collected');
    await settled();
  const before = snapshot();
    let clicked = 0;
    for (const r of rendered) {
      const cls = classifyButton(r.actionId)!;
      if (!o.applies(cls.class, cls.name)) continue;
      // A ticket's button is for support people: the outsider then is a support person from elsewhere.
      const who = cls.class === 'ticket' && o.who.user === 'U0ALICE' ? { ...o.who, user: 'U0SUPPORT' } : o.who;
      const click = await h.driver.click({ channel: o.channel ?? r.at.channel, ts: r.at.ts }, r.actionId, r.value, who);
      assert.equal(click.status, 200, r.actionId);
      const a = await answerTo(click);
      assert.match(String(a.body['text']), o.refused, `${r.actionId} on ${r.where}`);
      assert.equal(a.body['response_type'], 'ephemeral');
      assert.doesNotMatch(String(a.body['text']), /already open|permalink|https?:\/\//, `${r.actionId}: nothing about the result is said`);
      clicked++;
    }
    assert.ok(clicked >= 6, `clicked ${clicked}`);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(snapshot(), before);
  });
}

test('every other entry point (command, form, mention, shared file, escalation form) refuses each outsider, and nothing runs', async () => {
  const card = finalCard(h.slack, 'CG1')!;
  const cardId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
  const url = h.lab.scenarios.find((s) => s.id === 'healthy')!.url;
  await settled();
  const before = snapshot();
  for (const o of OUTSIDERS.filter((x) => x.channel !== 'CG2')) {
    const channel = o.channel ?? 'CG1';
    for (const text of [`ses_web "Healthy lookup" ${url}`, 'audit', 'watch "Healthy lookup" every=1s', 'history "Healthy lookup"']) {
      const cmd = await h.driver.command(text, { channel, ...o.who });
      assert.match(String(cmd.json?.['text']), o.refused, `${o.name}: /action-debug ${text}`);
    }
    const form = await h.driver.submitView({ id: 'V0', callback_id: 'ad_diagnose_modal', private_metadata: JSON.stringify({ channel }) }, {
      session: { v: { value: 's' } }, action: { v: { value: 'a' } }, endpoint: { v: { value: url } }, method: { v: { selected_option: { value: 'GET' } } },
    }, o.who);
    assert.equal(form.json?.['response_action'], 'errors', `${o.name}: the form`);
    assert.match(JSON.stringify(form.json), o.channel ? /not enabled in this channel/ : o.refused);
    if (!o.channel) {
      const esc = await h.driver.submitView({ id: 'V1', callback_id: 'ad_escalate_modal', private_metadata: JSON.stringify({ cardId }) }, {
        expected: { v: { value: 'x' } }, impact: { v: { value: 'y' } }, urgency: { v: { selected_option: { value: 'low' } } },
      }, o.who);
      assert.equal(esc.json?.['response_action'], 'errors', `${o.name}: the escalation form`);
    }
    const told = () => h.slack.messages.filter((m) => m.ephemeralTo === o.who.user && o.refused.test(m.text)).length;
    const n = told();
    await h.driver.mention('rerun', { channel, threadTs: card.ts }, o.who);
    await h.driver.mention('help', { channel }, o.who);
    await h.driver.shareFile(h.slack.upload('orders.yaml', 'openapi: 3.0.0\ninfo: {title: x, version: "1"}\npaths: {}\n'), { channel, threadTs: card.ts }, o.who);
    // Each mention is answered to the outsider alone (the file share outside a card's thread is not ours to answer).
    await h.slack.waitFor(() => told() >= n + 2, 5000, `${o.name}: the mentions answered`);
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(snapshot(), before);
});

test('a click on an id the bot never renders is refused, even from an allowed user on their own card, and nothing runs', async () => {
  const card = finalCard(h.slack, 'CG1')!;
  const cardId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
  const offered = /"action_id":"ad_follow_up:([\w-]+)"/.exec(JSON.stringify(h.slack.thread('CG1', card.ts).map((m) => m.blocks)))![1]!;
  await settled();
  const before = snapshot();
  for (const [id, value] of [['ad_follow_up', `${cardId}|${offered}`], ['ad_follow_up:', `${cardId}|${offered}`], [`ad_follow_up:dns`, `${cardId}|${offered}`], ['ad_rerun_now', cardId], ['ad_RERUN', cardId], ['ad_rerun ', cardId], ['x_rerun', cardId]] as const) {
    const click = await h.driver.click(card, id, value, { user: 'U0ALICE' });
    assert.match(String((await answerTo(click)).body['text']), /not one I posted|not offered on this card/, id);
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(snapshot(), before);
});

test('a watch whose creator was removed from the allow-list since: it does not run, says so once in its channel, and stops', async () => {
  await h.driver.command('watch "Healthy lookup" every=1s', { channel: 'CG2', user: 'U0ALICE' });
  const posts = () => h.slack.channel('CG2').filter((m) => !m.ephemeralTo);
  await h.slack.waitFor(() => posts().find((m) => /Healthy lookup/.test(JSON.stringify(m.blocks))), 20_000, 'the watch baseline');
  const runs = () => (store.db.prepare("SELECT count(*) n FROM diagnoses WHERE kind = 'watch' AND channel = 'CG2'").get() as { n: number }).n;
  const users = h.app.deps.settings.ALLOWED_USER_IDS;
  users.splice(users.indexOf('U0ALICE'), 1);
  try {
    const hits = () => h.lab.requests('healthy').length;
    const stopped = await h.slack.waitFor(() => posts().find((m) => /This watch stopped/.test(JSON.stringify(m.blocks))), 20_000, 'the watch says it stopped');
    assert.match(JSON.stringify(stopped.blocks), /limited to a few people/);
    // Runs of one watch never overlap (its claim): the refused run was the last. Several ticks later: no run, no probe,
    // no second message.
    const ran = runs();
    const probed = hits();
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(runs(), ran, 'no watch run after the removal');
    assert.equal(hits(), probed, 'nothing probed');
    assert.equal(posts().filter((m) => /This watch stopped/.test(JSON.stringify(m.blocks))).length, 1, 'said once');
    assert.equal((store.db.prepare("SELECT count(*) n FROM watches WHERE channel = 'CG2' AND stopped_at IS NULL").get() as { n: number }).n, 0, 'the watch is stopped');
  } finally {
    users.push('U0ALICE');
  }
});

test('work a crashed process left is taken up through the same gate: for someone no longer allowed it does not run, and says why', async () => {
  const card = finalCard(h.slack, 'CG1')!;
  const cardId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
  const input = parseDiagnosisInput({ endpoint: h.lab.scenarios.find((s) => s.id === 'healthy')!.url, method: 'GET', action: 'Healthy lookup' });
  const hits = () => h.lab.requests('healthy').length + h.lab.requests('waf-opencx-headers').length;
  const before = hits();
  const dead = { owner: 'a-process-that-died', leaseMs: 0 };
  // A diagnosis, a re-run and a follow-up check of Alice's card, asked by someone removed from the allow-list since.
  const diagnose = (await store.addWork({ kind: 'diagnose', workspace: 'T0FAKE', channel: 'CG1', requester: 'U0EVE', payload: workPayload(input) }, dead)).row.id;
  const rerun = (await store.addWork({ kind: 'rerun', cardId, cardTs: card.ts, workspace: 'T0FAKE', channel: 'CG1', requester: 'U0EVE', payload: workPayload(input, { why: 'Re-run' }) }, dead)).row.id;
  const followUp = (await store.addWork({ kind: 'follow-up', cardId, cardTs: card.ts, workspace: 'T0FAKE', channel: 'CG1', requester: 'U0EVE', payload: workPayload(input, { probeId: 'dns', label: 'Check DNS' }) }, dead)).row.id;
  const state = (id: string) => store.db.prepare('SELECT state, outcome FROM work WHERE id = ?').get(id) as { state: string; outcome: string | null };
  await until(async () => [diagnose, rerun, followUp].every((id) => state(id).state === 'done'), 20_000, 'the three rows taken up');
  assert.equal(hits(), before, 'nothing probed');
  // Eve is told, once each, why her diagnosis, her re-run and her follow-up did not run.
  const told = h.slack.messages.filter((m) => m.ephemeralTo === 'U0EVE' && /not run again: Sorry, action-debug is limited/.test(m.text));
  assert.equal(told.length, 3, JSON.stringify(h.slack.messages.filter((m) => m.ephemeralTo === 'U0EVE').map((m) => m.text)));
  // The card's thread says why too, not "press its button again" (Eve could not).
  const said = h.slack.thread('CG1', card.ts).filter((m) => /Check DNS/.test(m.text));
  assert.equal(said.length, 1, JSON.stringify(h.slack.thread('CG1', card.ts).map((m) => m.text)));
  assert.match(said[0]!.text, /not run again: Sorry, action-debug is limited/);
  assert.doesNotMatch(said[0]!.text, /Press its button again/);
});
