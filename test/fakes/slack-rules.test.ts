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

test('fallback text: blocks without `text` are refused (stricter than Slack, which warns), text past 40,000 is msg_too_long', async () => {
  const noText = await call(slack, 'chat.postMessage', { channel: 'CRULES', blocks: [section('a')] });
  assert.equal(noText.body['error'], 'invalid_arguments');
  assert.match(JSON.stringify(noText.body['response_metadata']), /text fallback is required/);
  const long = await call(slack, 'chat.postMessage', { channel: 'CRULES', text: x(40_001) });
  assert.equal(long.body['error'], 'msg_too_long');
  const none = await call(slack, 'chat.postMessage', { channel: 'CRULES' });
  assert.equal(none.body['error'], 'no_text');
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
  assert.equal(await post('U0SOMEONE'), undefined);
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
