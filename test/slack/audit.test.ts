import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/slack-harness.js';
import { until } from '../helpers/until.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { startFakeOpenCx, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { ACCOUNT_SCENARIOS, accountDataset, labAccount } from '../../src/fakes/opencx/account.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { SqliteStore as Store } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { auditCard, auditThreadMessages, CARD_LINES } from '../../src/render/audit-blocks.js';
import { blockTextLength, MESSAGE_BUDGET } from '../../src/render/slack-budget.js';
import { summarize } from '../../src/audit/summary.js';
import { auditHold } from '../../src/slack/audit-flow.js';
import type { AuditAction } from '../../src/audit/schema.js';

let lab: Lab;
let slack: FakeSlack;
let api: FakeOpenCx;
let client: OpenCxClient;
let store: Store;
let h: Harness;

before(async () => {
  lab = await startLab({ only: ACCOUNT_SCENARIOS });
  slack = await startFakeSlack();
  api = await startFakeOpenCx({ data: accountDataset(lab) });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  store = new Store(join(mkdtempSync(join(tmpdir(), 'ad-audit-')), 'bot.db'));
  h = await startHarness({ lab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store } });
});
after(async () => {
  await h?.close();
  store?.close();
  await client?.close();
  await api?.close();
  await slack?.close();
  await lab?.close();
});

const auditMessage = (channel: string) => slack.channel(channel).find((m) => /^action-debug audit/.test(m.text) || m.versions.some((v) => /^action-debug audit/.test(v.text)));

test('/action-debug audit: one summary card updated live, the right counts, a line and an Open card button per broken action, every result stored', async () => {
  const ch = 'CAUDIT';
  const ack = await h.driver.command('audit', { channel: ch });
  assert.equal(ack.status, 200);
  assert.match(String(ack.json?.['text']), /Auditing every action/);
  assert.ok(ack.ms < 3000);
  const card = await slack.waitFor(() => {
    const m = auditMessage(ch);
    return m && /audit of 51 actions:/i.test(blocksToText(m.blocks)) ? m : null;
  }, 120_000, 'the finished audit card');
  assert.equal(slack.channel(ch).length, 1, 'one card in the channel, nothing else');

  const account = labAccount(lab);
  const broken = account.filter((a) => a.expect.status === 'broken');
  const text = blocksToText(card.blocks);
  assert.match(text, new RegExp(`AUDIT OF 51 ACTIONS: ${broken.length} BROKEN`, 'i'));
  assert.match(text, new RegExp(`\\*?${account.filter((a) => a.expect.status === 'needs-credentials').length}\\*? need credentials to check`));
  assert.ok(card.blocks.length <= 50);
  // One line per broken action (all fit under 40 here), each with its cause, its fix and its button.
  for (const b of broken) {
    assert.match(text, new RegExp(`${b.action.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*${b.expect.cause}`), b.action.name);
  }
  const buttons = JSON.stringify(card.blocks).match(/"action_id":"ad_audit_open"/g) ?? [];
  assert.equal(buttons.length, broken.length);
  // Live: the card went through several versions, the first one "0/51", counts never going back.
  assert.ok(card.versions.length >= 3, `only ${card.versions.length} versions`);
  assert.match(card.versions[0]!.text, /0\/51 actions checked/);
  const done = card.versions.map((v) => Number(/(\d+)\/51 actions checked/.exec(v.text)?.[1] ?? 51));
  assert.deepEqual(done, [...done].sort((a, b) => a - b));
  // The thread names the actions that need credentials.
  const creds = await slack.waitFor(() => slack.thread(ch, card.ts).find((m) => /Need credentials to check/.test(blocksToText(m.blocks))), 10_000, 'the needs-credentials line in the thread');
  assert.ok(blocksToText(creds.blocks).includes('Look up order'));

  // Every diagnosed result is stored: history (and "broken since") works for audited actions.
  const audited = account.filter((a) => a.action.api_endpoint?.startsWith('https://'));
  const rows = store.db.prepare(`SELECT count(*) AS n FROM diagnoses WHERE kind = 'audit'`).get() as { n: number };
  assert.equal(rows.n, audited.length);
  const hist = await h.driver.command('history "Book delivery slot"', { channel: ch });
  assert.match(String(hist.json?.['text']), /family 2, `waf-blocks-opencx-headers`/);

  // Open card: the action's full card in the audit's thread, with Re-run and Escalate; a second click links to it.
  const value = JSON.stringify(card.blocks).match(/"action_id":"ad_audit_open","value":"([^"]+)"/)?.[1] ?? JSON.stringify(card.blocks).match(/"value":"([^"]+)","action_id":"ad_audit_open"/)?.[1];
  const target = account.find((a) => a.action.name === 'Book delivery slot')!;
  const openValue = (JSON.stringify(card.blocks).match(new RegExp(`"value":"([^"]*\\|${target.action.id})"`)) ?? [])[1] ?? value!;
  const before = slack.thread(ch, card.ts).length;
  const click = await h.driver.click({ channel: ch, ts: card.ts }, 'ad_audit_open', openValue);
  assert.equal(click.status, 200);
  const opened = await slack.waitFor(() => slack.thread(ch, card.ts).find((m) => JSON.stringify(m.blocks).includes('"ad_escalate"')), 10_000, 'the opened card');
  const openedText = blocksToText(opened.blocks);
  assert.match(openedText, /waf-blocks-opencx-headers/);
  assert.match(openedText, /Book delivery slot/);
  assert.ok(slack.thread(ch, card.ts).length > before);
  await h.driver.click({ channel: ch, ts: card.ts }, 'ad_audit_open', openValue);
  await slack.waitFor(() => slack.responses.some((r) => /already open/.test(String(r.body['text']))), 5000, 'the "already open" reply');
  assert.equal(slack.thread(ch, card.ts).filter((m) => JSON.stringify(m.blocks).includes('"ad_escalate"')).length, 1, 'opened once');
  assert.ok(!JSON.stringify(slack.calls).includes(api.key), 'the OpenCX key never reaches Slack');
});

test('an audit counts toward the workspace budget stored in the database: one that does not fit is refused whole, before any probe', async () => {
  // A new app on the same database (a restart, or another instance): the first test's audit of 51 is in the stored count.
  const small = await startHarness({ lab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store, limits: { DIAGNOSES_PER_USER_PER_HOUR: 30, DIAGNOSES_PER_WORKSPACE_PER_HOUR: 100 } } });
  try {
    const audits = () => store.db.prepare(`SELECT units, state, outcome FROM work WHERE kind = 'audit' ORDER BY created_at`).all();
    assert.deepEqual(audits(), [{ units: 51, state: 'done', outcome: 'verdict' }], 'the first audit is a finished work row weighing its 51 actions');
    const before = ACCOUNT_SCENARIOS.reduce((n, id) => n + lab.requests(id).length, 0);
    await small.driver.command('audit', { channel: 'CBUDGET' });
    await slack.waitFor(() => slack.responses.some((r) => /An audit of 51 actions needs 51 diagnoses and this workspace has 49 of its 100 an hour left/.test(String(r.body['text']))), 10_000, 'the budget refusal');
    assert.equal(slack.channel('CBUDGET').length, 0, 'no card');
    assert.equal(ACCOUNT_SCENARIOS.reduce((n, id) => n + lab.requests(id).length, 0), before, 'no endpoint was called');
    await until(async () => (audits() as { state: string }[]).every((r) => r.state === 'done'), 5000, 'the refused audit finished');
    assert.deepEqual(audits().at(-1), { units: 1, state: 'done', outcome: 'refused' }, 'the refused audit counts nothing');
  } finally {
    await small.close();
  }
});

test('one audit per workspace across instances: one running elsewhere (its work row under a live lease) refuses this one, until it ends', async () => {
  // Another instance's audit is what the database holds of it: its work row, running under its own lease, holding the workspace.
  const team = (store.db.prepare(`SELECT workspace FROM work WHERE kind = 'audit' LIMIT 1`).get() as { workspace: string }).workspace;
  const other = await store.addWork({ kind: 'audit', workspace: team, channel: 'CELSEWHERE', requester: 'U0BOB', payload: {} }, { owner: 'other-instance', leaseMs: 120_000 });
  assert.equal((await store.holdWork(other.row.id, auditHold(team))).ok, true);
  const here = await startHarness({ lab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store, limits: { DIAGNOSES_PER_USER_PER_HOUR: 30, DIAGNOSES_PER_WORKSPACE_PER_HOUR: 100 } } });
  try {
    const before = ACCOUNT_SCENARIOS.reduce((n, id) => n + lab.requests(id).length, 0);
    const told = (re: RegExp, url: string) => slack.responses.some((r) => url.endsWith(`/response/${r.id}`) && re.test(String(r.body['text'])));
    const first = await here.driver.command('audit', { channel: 'CHELD' });
    await slack.waitFor(() => told(/An audit of this workspace is already running: its card updates as it goes\./, first.responseUrl), 10_000, 'the refusal');
    assert.equal(slack.channel('CHELD').length, 0, 'no card');
    assert.equal(ACCOUNT_SCENARIOS.reduce((n, id) => n + lab.requests(id).length, 0), before, 'no endpoint was called');
    // That audit ends (its row finished): the next one is not refused as running (here the budget refuses it, before any
    // probe: what shows it got past the one-audit rule without running 51 diagnoses again). A holder whose instance died
    // (lease run out) holds nothing either (test/store/engines.test.ts); here another instance would take its row up.
    await store.finishWork(other.row.id, 'verdict');
    const second = await here.driver.command('audit', { channel: 'CHELD' });
    await slack.waitFor(() => told(/An audit of 51 actions needs 51 diagnoses/, second.responseUrl), 10_000, 'past the one-audit rule');
    assert.ok(!told(/already running/, second.responseUrl));
  } finally {
    await store.finishWork(other.row.id, 'verdict');
    await here.close();
  }
});

test('the card holds at most 40 broken lines within 50 blocks and Slack\'s whole-message budget; the rest go to the thread, each with its button', () => {
  const actions: AuditAction[] = Array.from({ length: 130 }, (_, i) => ({
    id: `a${i}`, name: `Action ${String(i).padStart(3, '0')} <b>&`, endpoint: 'https://x.test/', method: 'GET', durationMs: 1, diagnosisId: `d${i}`,
    status: i < 95 ? 'broken' : i < 120 ? 'needs-credentials' : 'ok',
    verdict: i < 95 ? { family: ((i % 3) + 2) as 2 | 3 | 4, cause: 'server-error', title: 'The API fails '.repeat(20), fix: 'Fix it '.repeat(400), severity: 'error' } : { family: null, cause: 'none', title: 't', fix: 'f', severity: null },
  }));
  const s = summarize(actions, { total: 130, startedAt: new Date().toISOString(), durationMs: 1000, complete: true, timedOut: false });
  const card = auditCard('aud1', s, 'U1');
  assert.ok(card.blocks.length <= 50);
  // Lines of ~3,000 characters each: only a few fit one message (the card is updated live, never split).
  assert.ok(blockTextLength(card.blocks) <= MESSAGE_BUDGET.blockText, `${blockTextLength(card.blocks)} characters on the card`);
  const onCard = (JSON.stringify(card.blocks).match(/ad_audit_open/g) ?? []).length;
  assert.ok(onCard >= 1 && onCard < CARD_LINES, `${onCard} lines on the card`);
  assert.match(blocksToText(card.blocks), new RegExp(`… and ${95 - onCard} more broken actions in the thread`));
  // Short lines: the card holds its 40.
  const short = summarize(actions.map((a) => (a.status === 'broken' ? { ...a, verdict: { ...a.verdict, title: 'The API fails', fix: 'Fix it' } } : a)), { total: 130, startedAt: new Date().toISOString(), durationMs: 1000, complete: true, timedOut: false });
  assert.equal((JSON.stringify(auditCard('aud1', short, 'U1').blocks).match(/ad_audit_open/g) ?? []).length, CARD_LINES);
  assert.ok(!JSON.stringify(card.blocks).includes('<b>'), 'names are escaped');
  for (const b of card.blocks) if (b.type === 'section') assert.ok((b.text?.text.length ?? 0) <= 3000);
  const thread = auditThreadMessages('aud1', actions, s);
  const threadButtons = thread.flatMap((m) => JSON.stringify(m.blocks).match(/ad_audit_open/g) ?? []);
  assert.equal(threadButtons.length, 95 - onCard, 'every broken action is on the card or in the thread, once');
  assert.ok(thread.every((m) => m.blocks.length <= 50 && blockTextLength(m.blocks) <= MESSAGE_BUDGET.blockText));
  assert.ok(thread.some((m) => /Need credentials to check/.test(blocksToText(m.blocks))));
});

test('Open card from another channel or workspace opens nothing (the button value is only a key)', async () => {
  const row = store.db.prepare(`SELECT card_id FROM diagnoses WHERE kind = 'audit' LIMIT 1`).get() as { card_id: string } | undefined;
  assert.ok(row, 'the first test stored audit results');
  const [, auditId, actionId] = row.card_id.split(':');
  const posted = slack.messages.length;
  await h.driver.click({ channel: 'COTHER', ts: '1700000000.000100' }, 'ad_audit_open', `${auditId}|${actionId}`);
  await h.driver.click({ channel: 'CAUDIT', ts: '1700000000.000100' }, 'ad_audit_open', `${auditId}|${actionId}`, { team: 'T0OTHER' });
  await slack.waitFor(() => slack.responses.filter((r) => /belongs to another channel or workspace/.test(String(r.body['text']))).length >= 2, 5000, 'two refusals');
  assert.equal(slack.messages.length, posted, 'nothing posted');
});

test('a database failure when the audit takes its hold: the row ends failed (not left running), the requester is told, nothing is checked', async () => {
  class HoldFails extends Store {
    override async holdWork(..._args: Parameters<Store['holdWork']>): ReturnType<Store['holdWork']> {
      throw new StoreError('Holding the audit: the database is busy', 'SQLITE_BUSY');
    }
  }
  const failing = new HoldFails(join(mkdtempSync(join(tmpdir(), 'ad-audit-fail-')), 'bot.db'));
  const here = await startHarness({ lab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store: failing } });
  try {
    const probed = () => ACCOUNT_SCENARIOS.reduce((n, id) => n + lab.requests(id).length, 0);
    const before = probed();
    const r = await here.driver.command('audit', { channel: 'CFAILAUDIT' });
    await slack.waitFor(() => slack.responses.some((x) => r.responseUrl.endsWith(`/response/${x.id}`) && /could not start: its database did not answer/.test(String(x.body['text']))), 10_000, 'the requester told');
    await slack.waitFor(() => (failing.db.prepare("SELECT outcome FROM work WHERE kind = 'audit'").get() as { outcome: string | null } | undefined)?.outcome === 'failed', 10_000, 'the row finished as failed');
    assert.equal(probed(), before, 'no endpoint was called');
    assert.equal(slack.channel('CFAILAUDIT').length, 0, 'no card');
  } finally {
    await here.close();
    await failing.close();
  }
});
