import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { until } from '../helpers/until.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema, supportChannelFor } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { runCli } from '../helpers/run-cli.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

const SECRET = 'lab-token-123456';
let h: Harness;
let store: SqliteStore;
let worker: OutboxWorker;
let dbPath: string;

before(async () => {
  dbPath = join(mkdtempSync(join(tmpdir(), 'ad-esc-')), 'bot.db');
  store = new SqliteStore(dbPath);
  // The worker's client talks to the harness's fake Slack: created after it starts, wired through a late-bound sender.
  let send: ReturnType<typeof slackSenders> | null = null;
  worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT, T0PARTNER=CSUPPARTNER' }), silentLogger);
  h = await startHarness({ only: ['auth-bearer-missing'], deps: { support, store }, settings: { SUPPORT_USER_IDS: 'U0SUPPORT' } });
  send = slackSenders(new bolt.webApi.WebClient('xoxb-test-token-planted-7f3a9c', slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
});
after(async () => {
  await worker.stop();
  await h?.close();
  await store.close();
});

test('Escalate: a prefilled modal at once, one ticket, the support card, the card and thread updated; resolve tells the requester', async () => {
  const ch = 'CESC';
  await h.driver.command(`ses_9 "Look up order" ${h.url('auth-bearer-missing')} header="Authorization: ${SECRET}"`, { channel: ch });
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the card');
  await until(async () => (await store.cardDiagnoses(JSON.stringify(card.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!)).length > 0, 5000, 'the diagnosis stored');

  const click = await h.driver.click({ channel: ch, ts: card.ts }, 'ad_escalate', JSON.stringify(card.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!);
  assert.equal(click.status, 200);
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['callback_id'] === 'ad_escalate_modal'), 3000, 'the escalation modal');
  const modalText = blocksToText(modal.view['blocks'] as unknown[]);
  assert.match(modalText, /Session: `ses_9`/);
  assert.match(modalText, /auth-bearer-prefix-missing/);

  const values = { expected: { v: { value: 'The AI tells the customer where the order is' } }, impact: { v: { value: 'All order questions are handed off' } }, urgency: { v: { selected_option: { value: 'high' } } } };
  const view = { id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) };
  const [s1, s2] = await Promise.all([h.driver.submitView(view, values), h.driver.submitView(view, values, { user: 'U0BOB' })]);
  assert.equal(s1.status, 200);
  assert.equal(s2.status, 200);

  const supportCard = await h.slack.waitFor(() => h.slack.channel('CSUPPORT')[0], 5000, 'the support card');
  const supportText = blocksToText(supportCard.blocks);
  assert.match(supportText, /TICKET #1 · HIGH · LOOK UP ORDER/);
  assert.match(supportText, /Session: `ses_9`/);
  assert.match(supportText, /requester's thread/);
  await h.slack.waitFor(() => /Escalated as ticket #1 by @U0/.test(blocksToText(card.blocks)), 5000, 'the card to say escalated');
  await h.slack.waitFor(() => h.slack.thread(ch, card.ts).some((m) => /Escalated as ticket #1/.test(m.text)), 5000, 'the thread note');
  assert.equal((store.db.prepare('SELECT count(*) n FROM tickets').get() as { n: number }).n, 1, 'two submissions, one ticket');
  const t = (await store.ticket(1))!;
  assert.equal(t.session, 'ses_9');
  assert.equal(t.urgency, 'high');
  assert.equal(t.cause, 'auth-bearer-prefix-missing');
  assert.match(t.threadLink ?? '', /fake\.slack\.test\/archives\/CESC/);
  assert.ok(t.evidence.length > 0);

  await h.driver.click({ channel: 'CSUPPORT', ts: supportCard.ts }, 'ad_ticket_resolve', '1', { user: 'U0SUPPORT' });
  await h.slack.waitFor(() => h.slack.thread(ch, card.ts).some((m) => /Ticket #1 was marked resolved by <@U0SUPPORT>/.test(m.text)), 5000, 'the resolution in the thread');
  assert.equal((await store.ticket(1))!.status, 'resolved');
  await h.slack.waitFor(() => /Resolved by @U0SUPPORT/.test(blocksToText(supportCard.blocks)), 5000, 'the support card resolved');
});

test('history, the ticket CLI, and the planted secret is nowhere: database, Slack, CLI output', async () => {
  const hist = await h.driver.command('history "Look up order"');
  assert.match(JSON.stringify(hist.json), /Last diagnoses of\* `Look up order`/);
  assert.match(JSON.stringify(hist.json), /auth-bearer-prefix-missing/);

  const md = await runCli(['ticket', '1', '--markdown'], { DATABASE_PATH: dbPath });
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /# Action failure: Look up order \(ticket #1, resolved\)/);
  assert.match(md.stdout, /\*\*Session ID:\*\* ses_9/);
  const json = await runCli(['ticket', '1', '--json'], { DATABASE_PATH: dbPath });
  assert.equal(JSON.parse(json.stdout).number, 1);
  const none = await runCli(['ticket', '99'], { DATABASE_PATH: dbPath });
  assert.equal(none.code, 2);

  store.db.pragma('wal_checkpoint(TRUNCATE)');
  for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) assert.ok(!readFileSync(f).includes(SECRET), `${f} contains the secret`);
  const wire = JSON.stringify(h.slack.calls.map((c) => c.args)) + JSON.stringify(h.slack.responses) + JSON.stringify(h.slack.views);
  assert.ok(!wire.includes(SECRET));
  assert.ok(!(md.stdout + json.stdout).includes(SECRET));
});

test('each workspace\'s tickets go to its own support channel (SUPPORT_CHANNEL_ID per team, with a default)', async () => {
  const ch = 'CPARTNER';
  await h.driver.command(`ses_p "Look up order" ${h.url('auth-bearer-missing')}`, { channel: ch, team: 'T0PARTNER' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the card');
  const id = JSON.stringify(card.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!;
  await until(async () => (await store.cardDiagnoses(id)).length > 0, 5000, 'the diagnosis stored');
  const before = h.slack.channel('CSUPPORT').length;
  await h.driver.click({ channel: ch, ts: card.ts }, 'ad_escalate', id, { team: 'T0PARTNER' });
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: id })), 3000, 'the modal');
  await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: 'x' } }, impact: { v: { value: 'y' } }, urgency: { v: { selected_option: { value: 'low' } } },
  }, { team: 'T0PARTNER' });
  const partnerCard = await h.slack.waitFor(() => h.slack.channel('CSUPPARTNER')[0], 5000, "the ticket in the partner workspace's support channel");
  assert.match(blocksToText(partnerCard.blocks), /Session: `ses_p`/);
  assert.equal(h.slack.channel('CSUPPORT').length, before, 'nothing went to the default channel');

  const parse = (v: string) => SupportSettingsSchema.safeParse({ SUPPORT_CHANNEL_ID: v });
  assert.match(JSON.stringify(parse('#support').error?.issues), /neither a channel ID/);
  const onlyPartner = SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'T0PARTNER=CSUPPARTNER' });
  assert.equal(supportChannelFor(onlyPartner, 'T0PARTNER'), 'CSUPPARTNER');
  assert.equal(supportChannelFor(onlyPartner, 'T0OTHER'), null);
  assert.equal(supportChannelFor(onlyPartner, 'E0ORG/T0PARTNER'), 'CSUPPARTNER', 'a team of an org-wide install is still that team');
});

test('an escalation form whose card is gone: the answer comes in the app DM (chat.postEphemeral takes a conversation, not a user ID)', async () => {
  const res = await h.driver.submitView({ id: 'VGONE', callback_id: 'ad_escalate_modal', private_metadata: JSON.stringify({ cardId: 'no-such-card' }) }, {}, { user: 'U0GONE' });
  assert.equal(res.status, 200);
  const dm = await h.slack.waitFor(() => h.slack.channel(h.slack.dm('U0GONE')).find((m) => /from before a restart/.test(m.text)), 5000, 'the answer in the DM');
  assert.equal(dm.ephemeralTo, null);
  assert.ok(!h.slack.calls.some((c) => c.method === 'chat.postEphemeral' && c.args['channel'] === 'U0GONE'), 'no ephemeral to a user ID');
});
