/**
 * The fake Slack refuses what Slack's reference pages say Slack refuses: each rule with a payload that breaks it,
 * sent over HTTP as the app's WebClient sends it, and the answer Slack would give.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeSlack, BLOCK_KIT, type FakeSlack } from '../../src/fakes/slack/index.js';

let slack: FakeSlack;
before(async () => {
  slack = await startFakeSlack({ rateLimits: false });
});
after(async () => slack?.close());

async function call(s: FakeSlack, method: string, args: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const form = new URLSearchParams(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
  const res = await fetch(`${s.apiUrl}${method}`, { method: 'POST', headers: { authorization: 'Bearer xoxb-rules', 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}

const x = (n: number) => 'x'.repeat(n);
const section = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'section', text: { type: 'mrkdwn', text }, ...extra });
const button = (action_id: string, extra: Record<string, unknown> = {}) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id, ...extra });
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });

/** [rule, blocks that break it, a fragment of Slack's message with its json-pointer] */
const VIOLATIONS: [string, unknown[], RegExp][] = [
  ['at most 50 blocks in a message', Array.from({ length: 51 }, () => ({ type: 'divider' })), /no more than 50 items allowed \[json-pointer:\/blocks\]/],
  ['section text at most 3000 characters', [section(x(3001))], /less than 3001 characters \[json-pointer:\/blocks\/0\/text\/text\]/],
  ['section text not empty', [section('')], /more than 0 characters/],
  ['section needs text or fields', [{ type: 'section' }], /must provide text or fields/],
  ['section fields at most 10', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'a' })) }], /no more than 10 items allowed \[json-pointer:\/blocks\/0\/fields\]/],
  ['section field at most 2000 characters', [{ type: 'section', fields: [{ type: 'mrkdwn', text: x(2001) }] }], /less than 2001 characters/],
  ['header text at most 150 characters', [{ type: 'header', text: { type: 'plain_text', text: x(151) } }], /less than 151 characters/],
  ['header text is plain_text', [{ type: 'header', text: { type: 'mrkdwn', text: 'a' } }], /must be a plain_text text object \[json-pointer:\/blocks\/0\/text\/type\]/],
  ['context at most 10 elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'a' })) }], /no more than 10 items allowed/],
  ['context at least 1 element', [{ type: 'context', elements: [] }], /at least 1 item/],
  ['actions at most 25 elements', [actions(...Array.from({ length: 26 }, (_, i) => button(`b${i}`)))], /no more than 25 items allowed/],
  ['action_id unique in its block (Slack: "action_id already exists")', [actions(button('same', { value: '1' }), button('same', { value: '2' }))], /action_id already exists: same \[json-pointer:\/blocks\/0\/elements\/1\/action_id\]/],
  ['block_id unique in a message', [section('a', { block_id: 'b1' }), section('b', { block_id: 'b1' })], /block_id already exists: b1 \[json-pointer:\/blocks\/1\/block_id\]/],
  ['block_id at most 255 characters', [section('a', { block_id: x(256) })], /less than 256 characters \[json-pointer:\/blocks\/0\/block_id\]/],
  ['action_id at most 255 characters', [actions(button(x(256)))], /less than 256 characters \[json-pointer:\/blocks\/0\/elements\/0\/action_id\]/],
  ['button text at most 75 characters', [actions({ type: 'button', text: { type: 'plain_text', text: x(76) }, action_id: 'a' })], /less than 76 characters/],
  ['button text is plain_text', [actions({ type: 'button', text: { type: 'mrkdwn', text: 'Go' }, action_id: 'a' })], /must be a plain_text text object/],
  ['button value at most 2000 characters', [actions(button('a', { value: x(2001) }))], /less than 2001 characters \[json-pointer:\/blocks\/0\/elements\/0\/value\]/],
  ['button url at most 3000 characters', [actions(button('a', { url: `https://e.example/${x(3000)}` }))], /less than 3001 characters \[json-pointer:\/blocks\/0\/elements\/0\/url\]/],
  ['button style primary or danger', [actions(button('a', { style: 'green' }))], /must be one of "primary", "danger"/],
  ['option text at most 75, value at most 150', [actions({ type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: x(76) }, value: x(151) }] })], /less than 76 characters[\s\S]*less than 151 characters/],
  ['select at most 100 options', [actions({ type: 'static_select', action_id: 's', options: Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: 'o' }, value: String(i) })) })], /no more than 100 items allowed/],
  ['text type is plain_text or mrkdwn', [{ type: 'section', text: { type: 'markdown', text: 'a' } }], /must be one of "plain_text", "mrkdwn"/],
  ['emoji only on plain_text', [{ type: 'section', text: { type: 'mrkdwn', text: 'a', emoji: true } }], /emoji is only allowed on plain_text/],
  ['image alt_text required', [{ type: 'image', image_url: 'https://e.example/a.png' }], /non-empty string \[json-pointer:\/blocks\/0\/alt_text\]/],
  ['unknown block types refused', [{ type: 'carousel' }], /unsupported type: carousel/],
];

for (const [rule, blocks, message] of VIOLATIONS) {
  test(`Block Kit: ${rule}`, async () => {
    const r = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 'fallback', blocks });
    assert.equal(r.body['ok'], false);
    assert.equal(r.body['error'], 'invalid_blocks');
    const messages = (r.body['response_metadata'] as { messages: string[] }).messages;
    assert.match(messages.join('\n'), message);
    assert.ok(messages.every((m) => m.startsWith('[ERROR] ')), 'Slack prefixes each message with [ERROR]');
  });
}

test('the same rules apply to chat.update, to response_url posts and to ack bodies', async () => {
  const posted = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 'ok', blocks: [section('ok')] });
  assert.equal(posted.body['ok'], true);
  const dup = [actions(button('a'), button('a'))];
  const upd = await call(slack, 'chat.update', { channel: 'CRULES', ts: String(posted.body['ts']), text: 'x', blocks: dup });
  assert.equal(upd.body['error'], 'invalid_blocks');
  const url = slack.responseUrl();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', blocks: dup }) });
  assert.equal(res.status, 400);
  const before = slack.refused.length;
  slack.recordAck({ text: 'x', blocks: dup });
  assert.equal(slack.refused.length, before + 1);
});

test('a valid message passes, and the limits are exactly Slack\'s (50 blocks, 3000 characters are fine)', async () => {
  const r = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 'fine', blocks: [section(x(BLOCK_KIT.sectionText)), ...Array.from({ length: 49 }, () => ({ type: 'divider' }))] });
  assert.equal(r.body['ok'], true, JSON.stringify(r.body));
});

test('fallback text: blocks without `text` are refused (stricter than Slack, which warns); no text at all is no_text', async () => {
  const noText = await call(slack, 'chat.postMessage', { channel: 'CRULES', blocks: [section('a')] });
  assert.equal(noText.body['error'], 'invalid_arguments');
  assert.match(JSON.stringify(noText.body['response_metadata']), /text fallback is required/);
  const none = await call(slack, 'chat.postMessage', { channel: 'CRULES' });
  assert.equal(none.body['error'], 'no_text');
});

// B1. chat.postMessage documents msg_blocks_too_long ("Blocks submitted with this message are too long") without a
// number; the fake refuses past 11,000 characters of block text (under the 11,341 refused in slackapi/bolt-js#2867).
test('B1 whole-message budget: blocks whose text together passes 11,000 characters are msg_blocks_too_long, on post, update and ephemeral', async () => {
  const four = Array.from({ length: 4 }, () => section(x(2800))); // 11,200: each block fine, the message not
  const under = [section(x(2800)), section(x(2800)), section(x(2800)), section(x(2500))]; // 10,900
  const refusedBefore = slack.refused.length;
  assert.equal((await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: four })).body['error'], 'msg_blocks_too_long');
  const ok = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: under });
  assert.equal(ok.body['ok'], true);
  assert.equal((await call(slack, 'chat.update', { channel: 'CRULES', ts: String(ok.body['ts']), text: 't', blocks: four })).body['error'], 'msg_blocks_too_long');
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'CRULES', user: 'U1', text: 't', blocks: four })).body['error'], 'msg_blocks_too_long');
  assert.equal(BLOCK_KIT.messageBlockText, 11_000);
  assert.deepEqual(slack.refused.slice(refusedBefore).map((r) => r.error), ['msg_blocks_too_long', 'msg_blocks_too_long', 'msg_blocks_too_long']);
});

// B2. docs.slack.dev/reference/methods/chat.update: "The text field cannot exceed 4,000 characters" (msg_too_long).
test('B2 chat.update: text past 4,000 characters is msg_too_long; 4,000 is fine', async () => {
  const posted = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 'a' });
  assert.equal((await call(slack, 'chat.update', { channel: 'CRULES', ts: String(posted.body['ts']), text: x(4001) })).body['error'], 'msg_too_long');
  assert.equal((await call(slack, 'chat.update', { channel: 'CRULES', ts: String(posted.body['ts']), text: x(4000) })).body['ok'], true);
});

// B3. api.slack.com/changelog/2018-04-truncating-really-long-messages: past 40,000 characters chat.postMessage truncates
// and warns (message_truncated) instead of refusing; chat.postEphemeral documents msg_too_long.
test('B3 chat.postMessage past 40,000 characters: posted truncated with a message_truncated warning (counted as refused: the user lost the end)', async () => {
  const before = slack.refused.length;
  const long = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: x(40_010) });
  assert.equal(long.body['ok'], true);
  assert.equal(long.body['warning'], 'message_truncated');
  assert.deepEqual((long.body['response_metadata'] as { warnings: string[] }).warnings, ['message_truncated']);
  assert.equal(slack.messages.find((m) => m.ts === long.body['ts'])!.text.length, 40_000);
  assert.equal(slack.refused.at(-1)!.error, 'message_truncated');
  assert.equal(slack.refused.length, before + 1);
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'CRULES', user: 'U1', text: x(40_001) })).body['error'], 'msg_too_long');
});

// B4. chat.postMessage's channel: a user ID posts in the app's DM and the answer names the DM (D…); chat.update: "For
// direct messages, ensure that this value is a DM ID (starts with D) instead of a User ID."
test('B4 DMs: postMessage to a user ID answers the D… channel; chat.update needs that D… id', async () => {
  const dm = await call(slack, 'chat.postMessage', { channel: 'U0DMUSER', text: 'hi' });
  assert.equal(dm.body['ok'], true);
  assert.match(String(dm.body['channel']), /^D/);
  assert.equal(dm.body['channel'], slack.dm('U0DMUSER'));
  assert.equal((await call(slack, 'chat.update', { channel: 'U0DMUSER', ts: String(dm.body['ts']), text: 'edit' })).body['error'], 'channel_not_found');
  assert.equal((await call(slack, 'chat.update', { channel: String(dm.body['channel']), ts: String(dm.body['ts']), text: 'edit' })).body['ok'], true);
});

// B5. chat.update's documented errors: is_inactive for a frozen/archived channel, message_not_found, channel_not_found;
// not_in_channel / is_archived are chat.postMessage's words, not chat.update's.
test('B5 chat.update errors: is_inactive (archived), channel_not_found (no longer visible), message_not_found', async () => {
  const p = await call(slack, 'chat.postMessage', { channel: 'CUPD', text: 'a' });
  slack.setConversation('CUPD', { archived: true });
  assert.equal((await call(slack, 'chat.update', { channel: 'CUPD', ts: String(p.body['ts']), text: 'b' })).body['error'], 'is_inactive');
  const q = await call(slack, 'chat.postMessage', { channel: 'GUPD', text: 'a' });
  slack.setConversation('GUPD', { kind: 'private', botMember: false });
  assert.equal((await call(slack, 'chat.update', { channel: 'GUPD', ts: String(q.body['ts']), text: 'b' })).body['error'], 'channel_not_found');
  assert.equal((await call(slack, 'chat.update', { channel: 'CRULES', ts: '1.000001', text: 'b' })).body['error'], 'message_not_found');
});

// B6. Ephemeral messages are not stored in the channel: chat.update cannot find them (message_not_found).
test('B6 an ephemeral message cannot be updated', async () => {
  const e = await call(slack, 'chat.postEphemeral', { channel: 'CRULES', user: 'U1', text: 'only you' });
  assert.equal(e.body['ok'], true);
  assert.equal((await call(slack, 'chat.update', { channel: 'CRULES', ts: String(e.body['message_ts']), text: 'b' })).body['error'], 'message_not_found');
});

// B7. chat.postEphemeral: "user_not_in_channel: Intended recipient is not in the specified channel"; its channel is a
// conversation ("The channel, private group, or IM channel"), not a user ID.
test('B7 chat.postEphemeral: user_not_in_channel; a user ID is not a channel', async () => {
  slack.setMembers('CMEM', ['U0IN']);
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'CMEM', user: 'U0OUT', text: 'x' })).body['error'], 'user_not_in_channel');
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'CMEM', user: 'U0IN', text: 'x' })).body['ok'], true);
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'U0IN', user: 'U0IN', text: 'x' })).body['error'], 'channel_not_found');
});

// B8. views.update: "hash_conflict" when the hash given is not the view's current one; views.push: "push_limit_reached"
// (a stack holds 3 views); views.*: "view_too_large" past 250 kB; views.open: "duplicate_external_id".
test('B8 views: hash_conflict, push_limit_reached at 3, view_too_large past 250 kB, duplicate_external_id, update by external_id', async () => {
  const v = (extra: Record<string, unknown> = {}) => ({ type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [section('a')], ...extra });
  const opened = await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: v({ external_id: 'ext-1' }) });
  const { id, hash } = opened.body['view'] as { id: string; hash: string };
  const first = await call(slack, 'views.update', { view_id: id, hash, view: v() });
  assert.equal(first.body['ok'], true);
  assert.equal((await call(slack, 'views.update', { view_id: id, hash, view: v() })).body['error'], 'hash_conflict', 'the old hash after an update');
  assert.equal((await call(slack, 'views.update', { view_id: id, view: v() })).body['ok'], true, 'no hash: no check');
  assert.equal((await call(slack, 'views.update', { external_id: 'ext-1', view: v() })).body['ok'], true);
  assert.equal((await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: v({ external_id: 'ext-1' }) })).body['error'], 'duplicate_external_id');
  await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: v() });
  assert.equal((await call(slack, 'views.push', { trigger_id: slack.issueTrigger(), view: v() })).body['ok'], true);
  assert.equal((await call(slack, 'views.push', { trigger_id: slack.issueTrigger(), view: v() })).body['ok'], true);
  assert.equal((await call(slack, 'views.push', { trigger_id: slack.issueTrigger(), view: v() })).body['error'], 'push_limit_reached');
  const big = v({ blocks: Array.from({ length: 90 }, () => section(x(2900))), private_metadata: x(3000) });
  assert.ok(JSON.stringify(big).length > 250_000);
  assert.equal((await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: big })).body['error'], 'view_too_large');
});

// B9. Select pages: initial_option "must exactly match one of the options"; plain-text input: "Works with block types:
// Input"; and text must be valid UTF-8 (a lone surrogate cannot be encoded).
test('B9 Block Kit: initial_option among the options, plain_text_input only in input blocks, no lone surrogates', async () => {
  const opt = (v: string) => ({ text: { type: 'plain_text', text: v }, value: v });
  const select = (initial: unknown) => actions({ type: 'static_select', action_id: 's', options: [opt('a'), opt('b')], initial_option: initial });
  assert.match(JSON.stringify((await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: [select(opt('c'))] })).body), /must exactly match one of the options/);
  assert.equal((await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: [select(opt('b'))] })).body['ok'], true);
  const input = { type: 'plain_text_input', action_id: 'i' };
  assert.match(JSON.stringify((await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: [actions(input)] })).body), /only allowed in input blocks/);
  assert.match(JSON.stringify((await call(slack, 'chat.postMessage', { channel: 'CRULES', text: 't', blocks: [section('a', { accessory: input })] })).body), /only allowed in input blocks/);
  const url = slack.responseUrl();
  const lone = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'cut \ud83e', blocks: [section('cut \ud83e here')] }) });
  assert.equal(lone.status, 400);
  assert.match(JSON.stringify(slack.refused.at(-1)), /lone surrogate/);
  const whole = await fetch(slack.responseUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'whole 🧪', blocks: [section('whole 🧪')] }) });
  assert.equal(whole.status, 200);
});

// B10. Slack waits 3 s for an ack, then shows the user an error and discards the late answer.
test('B10 an ack after 3 s is recorded as late and never as shown', async () => {
  const { SlackDriver, ACK_DEADLINE_MS } = await import('../../src/fakes/slack/driver.js');
  assert.equal(ACK_DEADLINE_MS, 3000);
  const http = await import('node:http');
  const server = http.createServer((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"late answer"}'), 3100));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const d = new SlackDriver(`http://127.0.0.1:${(server.address() as { port: number }).port}`, 'secret', slack);
    const acksBefore = slack.payloads.filter((p) => p.via === 'ack').length;
    const r = await d.command('help');
    assert.equal(r.late, true);
    assert.equal(slack.lateAcks.at(-1)!.body['text'], 'late answer');
    assert.equal(slack.payloads.filter((p) => p.via === 'ack').length, acksBefore, 'a late ack is not a payload anyone saw');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

// B11. docs.slack.dev/reference/methods/apps.connections.open: Tier 3 (50+ a minute), not Tier 1.
test('B11 rate tiers from the method reference: apps.connections.open is Tier 3', async () => {
  const { METHOD_TIERS } = await import('../../src/fakes/slack/rate-limits.js');
  assert.equal(METHOD_TIERS['apps.connections.open'], 3);
  assert.equal(METHOD_TIERS['chat.update'], 3);
  assert.equal(METHOD_TIERS['chat.postEphemeral'], 4);
  assert.equal(METHOD_TIERS['views.open'], 4);
});

test('views: title at most 24 characters, plain_text; input blocks need submit; private_metadata at most 3000 → invalid_arguments', async () => {
  const view = { type: 'modal', title: { type: 'plain_text', text: x(25) }, private_metadata: x(3001), blocks: [{ type: 'input', label: { type: 'plain_text', text: 'L' }, element: { type: 'plain_text_input', action_id: 'v' } }] };
  const r = await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view });
  assert.equal(r.body['error'], 'invalid_arguments');
  const msgs = (r.body['response_metadata'] as { messages: string[] }).messages.join('\n');
  assert.match(msgs, /less than 25 characters \[json-pointer:\/view\/title\/text\]/);
  assert.match(msgs, /less than 3001 characters \[json-pointer:\/view\/private_metadata\]/);
  assert.match(msgs, /must provide submit/);
  const many = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) };
  assert.match(JSON.stringify((await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: many })).body), /no more than 100 items allowed/);
  // Input blocks in one view may reuse an action_id: Slack keys state.values by block_id, then action_id.
  const form = { type: 'modal', title: { type: 'plain_text', text: 'T' }, submit: { type: 'plain_text', text: 'Go' }, blocks: ['a', 'b'].map((b) => ({ type: 'input', block_id: b, label: { type: 'plain_text', text: b }, element: { type: 'plain_text_input', action_id: 'v' } })) };
  assert.equal((await call(slack, 'views.open', { trigger_id: slack.issueTrigger(), view: form })).body['ok'], true);
});

test('trigger_id: valid 3 s, once', async () => {
  const s = await startFakeSlack({ rateLimits: false, triggerTtlMs: 1000 });
  try {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [] };
    const t = s.issueTrigger();
    assert.equal((await call(s, 'views.open', { trigger_id: t, view })).body['ok'], true);
    assert.equal((await call(s, 'views.open', { trigger_id: t, view })).body['error'], 'exchanged_trigger_id');
    const late = s.issueTrigger();
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await call(s, 'views.open', { trigger_id: late, view })).body['error'], 'expired_trigger_id');
  } finally {
    await s.close();
  }
});

test('response_url: 5 uses, then refused; dead after 30 minutes', async () => {
  const s = await startFakeSlack({ rateLimits: false, responseUrlTtlMs: 1500 });
  try {
    const post = (u: string) => fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
    const u = s.responseUrl();
    for (let i = 0; i < 5; i++) assert.equal((await post(u)).status, 200);
    const sixth = await post(u);
    assert.equal(sixth.status, 404);
    assert.equal(((await sixth.json()) as { error: string }).error, 'expired_url');
    const old = s.responseUrl();
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await post(old)).status, 404);
  } finally {
    await s.close();
  }
});

test('membership: not_in_channel (public), channel_not_found (private, someone else\'s DM), is_archived; the app DM always works', async () => {
  slack.setConversation('CNOTIN', { kind: 'public', botMember: false });
  slack.setConversation('GHIDDEN', { kind: 'private', botMember: false });
  slack.setConversation('DOTHERS', { kind: 'im', botMember: false });
  slack.setConversation('CARCHIVED', { archived: true });
  const post = async (channel: string) => (await call(slack, 'chat.postMessage', { channel, text: 'hi' })).body['error'];
  assert.equal(await post('CNOTIN'), 'not_in_channel');
  assert.equal(await post('GHIDDEN'), 'channel_not_found');
  assert.equal(await post('DOTHERS'), 'channel_not_found');
  assert.equal(await post('CARCHIVED'), 'is_archived');
  assert.equal(await post('U0SOMEONE'), undefined); // the app's DM (B4: answered with its D… id)
  assert.equal((await call(slack, 'chat.postEphemeral', { channel: 'CNOTIN', user: 'U1', text: 'hi' })).body['error'], 'not_in_channel');
});

test('rate-limit tiers: 429 with Retry-After per method and workspace; chat.postMessage one a second per channel after a burst', async () => {
  const s = await startFakeSlack();
  try {
    // chat.update is Tier 3 (50+ a minute): the 51st call in a burst is refused with a Retry-After.
    const first = await call(s, 'chat.postMessage', { channel: 'CT', text: 'a' });
    // (The allowance refills at 50 a minute while the loop runs, so a slow runner may fit one or two more.)
    let ok = 0;
    let limited: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await call(s, 'chat.update', { channel: 'CT', ts: String(first.body['ts']), text: `v${i}` });
      if (r.status === 200) ok++;
      else limited = r;
    }
    assert.ok(ok >= 50 && ok <= 55, `${ok} updates before the first 429`);
    assert.ok(limited, 'never rate-limited');
    assert.equal(limited.status, 429);
    assert.equal(limited.body['error'], 'ratelimited');
    assert.ok(Number(limited.retryAfter) >= 1);
    // chat.postMessage: a short burst per channel, then refused; another channel is unaffected.
    const burst: number[] = [];
    for (let i = 0; i < 12; i++) burst.push((await call(s, 'chat.postMessage', { channel: 'CBURST', text: String(i) })).status);
    assert.ok(burst.includes(429), `no 429 in ${burst.join(',')}`);
    assert.equal((await call(s, 'chat.postMessage', { channel: 'COTHER', text: 'x' })).status, 200);
    // Tier 4 (chat.postEphemeral) still has room: limits are per method.
    assert.equal((await call(s, 'chat.postEphemeral', { channel: 'CT', user: 'U1', text: 'x' })).status, 200);
  } finally {
    await s.close();
  }
});

test('a view submission answered with response_action errors: each key is an input block of that view, each message text', () => {
  const view = { type: 'modal', blocks: [{ type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: 'x' } }, { type: 'input', block_id: 'endpoint', label: { type: 'plain_text', text: 'E' }, element: { type: 'plain_text_input', action_id: 'v' } }] };
  const refusedAfter = (ack: Record<string, unknown>) => {
    const before = slack.refused.length;
    slack.recordAck(ack, { view });
    return slack.refused.slice(before).flatMap((r) => r.errors);
  };
  assert.deepEqual(refusedAfter({ response_action: 'errors', errors: { endpoint: 'The database is busy.' } }), []);
  assert.match(refusedAfter({ response_action: 'errors', errors: { intro: 'x' } }).join(), /"intro" is not the block_id of an input block/);
  assert.match(refusedAfter({ response_action: 'errors', errors: { nowhere: 'x' } }).join(), /"nowhere" is not the block_id/);
  assert.match(refusedAfter({ response_action: 'errors', errors: { endpoint: '' } }).join(), /non-empty string/);
  assert.match(refusedAfter({ response_action: 'errors', errors: {} }).join(), /at least one entry/);
  assert.deepEqual(refusedAfter({ response_action: 'clear' }), [], 'other actions are not this rule\'s');
});
