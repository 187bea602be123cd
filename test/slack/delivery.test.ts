/**
 * Every answer reaches its requester, whatever Slack answers (issue 19 item 4, issue 13 item 2): each case runs the
 * real app over HTTP with signed requests against the strict fake Slack, which refuses what Slack refuses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import type { FakeMessage } from '../../src/fakes/slack/index.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

let h: Harness;
let store: SqliteStore;
let worker: OutboxWorker;

before(async () => {
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-deliv-')), 'bot.db'));
  let send: ReturnType<typeof slackSenders> | null = null;
  worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT' }), silentLogger);
  h = await startHarness({ only: ['auth-bearer-missing', 'healthy', 'slow'], deps: { support, store }, settings: { SLACK_RATE_LIMIT_WINDOW_MS: '1500' } });
  send = slackSenders(new bolt.webApi.WebClient('xoxb-test-token-planted-7f3a9c', slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
});
after(async () => {
  await worker.stop();
  await h?.close();
  await store.close();
});

const AUTH = 'header="Authorization: Bearer lab-token-healthy"';
const cardIdOf = (blocks: unknown) => /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(blocks))![1]!;
/** Everything the requester could read, as text: messages, response_url posts, acks. */
const seen = () => JSON.stringify(h.slack.payloads.map((p) => p.body));

async function escalate(channel: string, ts: string, id: string): Promise<number> {
  await h.driver.click({ channel, ts }, 'ad_escalate', id);
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: id })), 3000, 'the escalation modal');
  const r = await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: 'x' } }, impact: { v: { value: 'y' } }, urgency: { v: { selected_option: { value: 'low' } } },
  });
  assert.equal(r.status, 200);
  assert.ok(!JSON.stringify(r.json ?? {}).includes('FOREIGN KEY'), JSON.stringify(r.json));
  return h.slack.waitFor(() => (store.db.prepare('SELECT number FROM tickets WHERE diagnosis_id IN (SELECT id FROM diagnoses WHERE card_id = ?)').get(id) as { number: number } | undefined)?.number, 5000, 'the ticket');
}

test('issue 13: an auth failure\'s "Follow-up checks" carry distinct action_ids, Slack accepts them, and Escalate makes a ticket', async () => {
  const ch = 'CAUTH';
  await h.driver.command(`ses_1 "Look up order" ${h.url('auth-bearer-missing')}`, { channel: ch });
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the card');
  const followUps = await h.slack.waitFor(() => h.slack.thread(ch, card.ts).find((m) => m.text === 'Follow-up checks'), 5000, 'the follow-up checks in the thread');
  const ids = JSON.stringify(followUps.blocks).match(/"action_id":"[^"]+"/g)!;
  assert.ok(ids.filter((x) => x.includes('ad_follow_up')).length >= 2, 'an auth verdict offers several follow-ups');
  assert.equal(new Set(ids).size, ids.length, `repeated action_ids: ${ids.join(' ')}`);
  assert.deepEqual(h.slack.refused, [], 'Slack refused nothing');
  const id = cardIdOf(card.blocks);
  assert.ok((await store.cardDiagnoses(id)).length > 0, 'the diagnosis is stored');
  assert.ok(await escalate(ch, card.ts, id) > 0);
  // Both follow-up buttons still reach their own check.
  await h.driver.click(card, 'ad_follow_up:auth', `${id}|auth`);
  await h.slack.waitFor(() => h.slack.thread(ch, card.ts).some((m) => /^Re-check Authorization[\s\S]*Since last time:/.test(blocksToText(m.blocks))), 20_000, 'the auth follow-up answer');
});

test('Slack refusing every thread post: the diagnosis is stored first, so Escalate and history still work', async () => {
  const ch = 'CREFUSE';
  h.slack.fail('chat.postMessage', { error: 'invalid_blocks', times: 2, match: (a) => a['channel'] === ch && Boolean(a['thread_ts']) });
  await h.driver.command(`ses_2 "Refused action" ${h.url('auth-bearer-missing')}`, { channel: ch });
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the card');
  const id = cardIdOf(card.blocks);
  await h.slack.waitFor(() => seen().includes('Slack did not accept the answer (invalid_blocks)'), 5000, 'the requester told, in words');
  assert.ok((await store.cardDiagnoses(id)).length > 0, 'stored although Slack refused the thread');
  const hist = await h.driver.command('history "Refused action"');
  assert.match(JSON.stringify(hist.json), /family 2/);
  assert.ok(await escalate(ch, card.ts, id) > 0);
  assert.ok(!seen().includes('An API error occurred'), 'no raw API error reached anyone');
});

test('slash command where the bot is not a member (public channel): verdict via response_url; its buttons work', async () => {
  const ch = 'COUT';
  h.slack.setConversation(ch, { kind: 'public', botMember: false });
  const cmd = await h.driver.command(`ses_3 "Look up order" ${h.url('healthy')} ${AUTH}`, { channel: ch });
  const rid = cmd.responseUrl.split('/').pop();
  const verdict = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === rid && JSON.stringify(r.body).includes('ad_rerun')), 20_000, 'the verdict via response_url');
  assert.equal(verdict.body['response_type'], 'in_channel');
  assert.match(JSON.stringify(h.slack.responses.filter((r) => r.id === rid)), /invite @action-debug/);
  assert.equal(h.slack.channel(ch).length, 0, 'nothing posted through the Web API');
  const id = cardIdOf(verdict.body['blocks']);
  // Re-run: the message the user clicked is replaced with the new verdict.
  const rerun = await h.driver.click({ channel: ch, ts: '1.0' }, 'ad_rerun', id);
  const replaced = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === rerun.responseUrl.split('/').pop()), 20_000, 'the re-run answer');
  assert.equal(replaced.body['replace_original'], true);
  assert.match(blocksToText(replaced.body['blocks'] as unknown[]), /NO PROBLEM FOUND/);
  // Details: the evidence comes to the clicker (there is no thread).
  const details = await h.driver.click({ channel: ch, ts: '1.0' }, 'ad_details', id);
  const shown = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === details.responseUrl.split('/').pop()), 5000, 'the details');
  assert.match(blocksToText(shown.body['blocks'] as unknown[]), /Details of every check/);
  assert.deepEqual(h.slack.refused, []);
});

test('slash command in a private channel or a DM the bot is not in: the same, never a raw error', async () => {
  for (const [ch, kind] of [['GPRIV', 'private'], ['DPEOPLE', 'im']] as const) {
    h.slack.setConversation(ch, { kind, botMember: false });
    const cmd = await h.driver.command(`ses_4 "Look up order" ${h.url('healthy')} ${AUTH}`, { channel: ch });
    const rid = cmd.responseUrl.split('/').pop();
    await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === rid && JSON.stringify(r.body).includes('ad_rerun')), 20_000, `the verdict in ${kind}`);
  }
  assert.ok(!seen().includes('An API error occurred'));
});

test('the form used where the bot is not a member: the card, live and with its thread, comes to the requester\'s DM', async () => {
  const ch = 'GFORM';
  h.slack.setConversation(ch, { kind: 'private', botMember: false });
  await h.driver.command('', { channel: ch, user: 'U0FORM' });
  const view = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['callback_id'] === 'ad_diagnose_modal' && String(v.view['private_metadata']).includes(ch)), 3000, 'the form');
  await h.driver.submitView({ id: view.id, callback_id: 'ad_diagnose_modal', private_metadata: String(view.view['private_metadata']) }, {
    session: { v: { value: 'ses_5' } }, action: { v: { value: 'Look up order' } }, endpoint: { v: { value: h.url('healthy') } },
    method: { v: { selected_option: { value: 'GET' } } }, spec: { v: { value: null } }, authorization: { v: { value: 'Bearer lab-token-healthy' } },
    burst: { v: { value: null } }, owner: { v: { selected_options: [] } },
  }, { user: 'U0FORM' });
  // Slack answers a post to a user ID with the app's DM, a D… channel: everything after happens there.
  const dm = h.slack.dm('U0FORM');
  const note = await h.slack.waitFor(() => h.slack.channel(dm).find((m) => /not a member of <#GFORM>/.test(m.text)), 5000, 'the note in the DM');
  assert.match(note.text, /invite @action-debug/);
  const card = await h.slack.waitFor(() => finalCard(h.slack, dm), 20_000, 'the card in the DM');
  assert.match(blocksToText(card.blocks), /NO PROBLEM FOUND/);
  await h.slack.waitFor(() => h.slack.thread(dm, card.ts).length >= 2, 5000, 'its thread');
});

test('the bot removed mid-run: the verdict reaches the requester (response_url), saying why; no raw error', async () => {
  const ch = 'CKICK';
  const cmd = await h.driver.command(`ses_6 "Look up order" ${h.url('slow')} timeout=1`, { channel: ch });
  await h.slack.waitFor(() => h.slack.channel(ch)[0], 5000, 'the running card');
  h.slack.setConversation(ch, { botMember: false });
  const rid = cmd.responseUrl.split('/').pop();
  const verdict = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === rid && /red_circle|white_check_mark/.test(JSON.stringify(r.body))), 20_000, 'the verdict to the requester');
  assert.equal(verdict.body['response_type'], 'ephemeral');
  assert.match(blocksToText(verdict.body['blocks'] as unknown[]), /not a member of <#CKICK> \(or was removed from it\)/);
  assert.ok(!seen().includes('An API error occurred'));
});

test('the channel archived mid-run: the verdict still reaches the requester', async () => {
  const ch = 'CARCH';
  const cmd = await h.driver.command(`ses_7 "Look up order" ${h.url('slow')} timeout=1`, { channel: ch });
  await h.slack.waitFor(() => h.slack.channel(ch)[0], 5000, 'the running card');
  h.slack.setConversation(ch, { archived: true });
  const rid = cmd.responseUrl.split('/').pop();
  const verdict = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === rid && /was archived/.test(JSON.stringify(r.body))), 20_000, 'the verdict');
  assert.match(blocksToText(verdict.body['blocks'] as unknown[]), /FAMILY|NO PROBLEM|Family/i);
});

test('chat.update rate-limited past the window: retried after each Retry-After, then the verdict goes in the thread and the card says so', async () => {
  const ch = 'C429';
  h.slack.fail('chat.update', { status: 429, retryAfter: 1, times: 1000, match: (a) => a['channel'] === ch });
  await h.driver.command(`ses_8 "Look up order" ${h.url('auth-bearer-missing')}`, { channel: ch });
  const first = await h.slack.waitFor(() => h.slack.channel(ch)[0], 5000, 'the card');
  const inThread = await h.slack.waitFor(() => h.slack.thread(ch, first.ts).find((m) => JSON.stringify(m.blocks).includes('ad_escalate')), 20_000, 'the verdict in the thread');
  assert.match(blocksToText(inThread.blocks), /`auth-missing`/);
  h.slack.clearFaults(); // Slack lets us update again
  const card: FakeMessage = await h.slack.waitFor(() => (/verdict is in this card's thread/.test(blocksToText(first.blocks)) ? first : null), 5000, 'the card pointing to its thread');
  assert.ok(!/Diagnosing/.test(blocksToText(card.blocks)));
  const tries = h.slack.calls.filter((c) => c.method === 'chat.update' && c.args['channel'] === ch).map((c) => c.at);
  // Retried after each Retry-After (1 s), not hammered: a few tries over the 1.5 s window, one gap at least ~1 s.
  const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
  assert.ok(tries.length <= 8, `bounded: ${tries.length} updates`);
  assert.ok(gaps.some((g) => g >= 900), `Retry-After honoured: gaps ${gaps.join(', ')} ms`);
});
