import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from '../../src/lab/index.js';
import { startFakeSlack, SlackDriver } from '../../src/fakes/slack/index.js';
import { createSlackApp } from '../../src/slack/app.js';
import { SlackSettingsSchema } from '../../src/slack/settings.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { silentLogger } from '../../src/log.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { FakeSocketMode } from '../helpers/fake-socket-mode.js';
import { finalCard, BOT_TOKEN } from '../helpers/slack-harness.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';

const APP_TOKEN = 'xapp-1-A0APP-socket-test-5e1d';

test('Socket Mode: no public URL and no signing secret; the command, its card and its buttons travel over the WebSocket', async () => {
  const lab = await startLab({ only: ['auth-bearer-missing'] });
  const slack = await startFakeSlack();
  const socket = await FakeSocketMode.start();
  slack.acceptSocketMode(socket.url);
  const settings = SlackSettingsSchema.parse({
    SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT',
    SLACK_API_URL: slack.apiUrl, CARD_UPDATE_INTERVAL_MS: '50', SLACK_LOG_LEVEL: 'error',
  });
  const app = createSlackApp(settings, { net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts }), logger: silentLogger });
  try {
    await app.start(0);
    await socket.connected();
    // The connection was opened through SLACK_API_URL with the app-level token, never the bot token.
    const open = slack.calls.filter((c) => c.method === 'apps.connections.open');
    assert.equal(open.length, 1);
    assert.equal(open[0]!.token, APP_TOKEN);

    const driver = new SlackDriver('http://127.0.0.1:9', 'no-signing-in-socket-mode', slack);
    const secret = 'lab-token-123456'; // the token this lab endpoint accepts, saved without "Bearer "
    const url = lab.scenarios.find((s) => s.id === 'auth-bearer-missing')!.url;
    const { form } = driver.commandForm(`ses_1 "Look up order" ${url} header="Authorization: ${secret}"`, { channel: 'CSOCK' });
    const ack = await socket.deliver('slash_commands', Object.fromEntries(new URLSearchParams(form)));
    assert.match(String(ack.payload['text']), /Diagnosing GET/, 'the ephemeral acknowledgement rides on the ack');
    assert.equal(ack.payload['response_type'], 'ephemeral');

    const card = await slack.waitFor(() => finalCard(slack, 'CSOCK'), 20_000, 'the final card');
    const text = blocksToText(card.blocks);
    assert.match(text, /FAMILY 2/);
    assert.match(text, /auth-bearer-prefix-missing/);
    assert.equal(slack.channel('CSOCK').length, 1);

    const help = await socket.deliver('slash_commands', Object.fromEntries(new URLSearchParams(driver.commandForm('help', { channel: 'CSOCK' }).form)));
    // Escaped: raw, Slack would render <session-id> as a broken link.
    assert.match(JSON.stringify(help.payload), /\/action-debug &lt;session-id&gt; &lt;action-name&gt; &lt;endpoint&gt;/);
    assert.ok(!JSON.stringify(help.payload).includes("<session-id>"));

    // Re-run from the card: an interactive envelope, acked at once, the same card updated and the thread told.
    const id = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
    const versions = card.versions.length;
    // The thread holds the details and the follow-up buttons first.
    const threadBefore = (await slack.waitFor(() => (slack.thread('CSOCK', card.ts).length >= 2 ? slack.thread('CSOCK', card.ts) : null), 5000, 'thread details')).length;
    const click = await socket.deliver('interactive', driver.clickPayload(card, 'ad_rerun', id).payload);
    assert.deepEqual(click.payload, {}, 'a button click is acked empty');
    const answer = await slack.waitFor(() => slack.thread('CSOCK', card.ts)[threadBefore], 20_000, 'the re-run answer');
    assert.match(blocksToText(answer.blocks), /Re-run.*Since last time: nothing changed/s);
    assert.ok(card.versions.length > versions, 'the card itself was updated again');

    const wire = JSON.stringify(slack.calls.map((c) => c.args)) + JSON.stringify(slack.responses);
    assert.ok(!wire.includes(secret) && !wire.includes(APP_TOKEN), 'a credential reached a Slack message');
    assert.ok(slack.calls.filter((c) => c.method !== 'apps.connections.open').every((c) => c.token === BOT_TOKEN));
  } finally {
    await app.stop();
    await socket.close();
    await slack.close();
    await lab.close();
  }
});

test('settings: Socket Mode needs an app-level token; HTTP needs the signing secret', () => {
  const base = { SLACK_BOT_TOKEN: BOT_TOKEN };
  assert.ok(SlackSettingsSchema.safeParse({ ...base, SLACK_APP_TOKEN: APP_TOKEN }).success);
  const wrongToken = SlackSettingsSchema.safeParse({ ...base, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' });
  assert.match(JSON.stringify(wrongToken.error?.issues), /app-level token \(xapp-/);
  const neither = SlackSettingsSchema.safeParse(base);
  assert.match(JSON.stringify(neither.error?.issues), /SLACK_SIGNING_SECRET is required/);
});

test('Socket Mode: a mention is acked only once its work row is written; unrecorded, it is not acked and Slack sends it again', async () => {
  const slack = await startFakeSlack();
  const socket = await FakeSocketMode.start();
  slack.acceptSocketMode(socket.url);
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-sock-')), 'bot.db'));
  const settings = SlackSettingsSchema.parse({
    SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT',
    SLACK_API_URL: slack.apiUrl, SLACK_LOG_LEVEL: 'error',
  });
  const app = createSlackApp(settings, { net: NetOptionsSchema.parse({}), logger: silentLogger, store });
  const envelope = (eventId: string) => ({
    type: 'event_callback', team_id: 'T0FAKE', api_app_id: 'A0APP', event_id: eventId, event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0FAKE', user_id: 'U0BOT', is_bot: true }],
    event: { type: 'app_mention', user: 'U0ALICE', text: '<@U0BOT> hello', ts: `${Date.now() / 1000}`, channel: 'CSOCKM', event_ts: `${Date.now() / 1000}` },
  });
  const replies = () => slack.channel('CSOCKM').length;
  try {
    await app.start(0);
    await socket.connected();
    store.db.pragma('query_only = ON'); // the database refuses writes
    await assert.rejects(socket.deliver('events_api', envelope('EvSock1'), 1500), /no ack/, 'acked although nothing was recorded');
    store.db.pragma('query_only = OFF');
    assert.equal(replies(), 0);
    await socket.deliver('events_api', envelope('EvSock1'));
    await slack.waitFor(() => replies() === 1 || null, 5000, 'the answer to the mention');
    // The row is finished right after Slack answers the post: waited for, not assumed.
    const rows = () => store.db.prepare("SELECT state, outcome FROM work WHERE kind = 'mention'").all();
    await slack.waitFor(() => (rows() as { state: string }[]).every((r) => r.state === 'done') || null, 5000, 'the mention row finished');
    assert.deepEqual(rows(), [{ state: 'done', outcome: 'replied' }]);
  } finally {
    await app.stop();
    await store.close();
    await socket.close();
    await slack.close();
  }
});
