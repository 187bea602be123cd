import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startHarness, finalCard, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { blocksToText } from '../../src/render/blocks-text.js';

let h: Harness;
before(async () => {
  h = await startHarness({ only: ['healthy', 'waf-opencx-headers', 'auth-bearer-missing', 'slow'] });
});
after(async () => h?.close());

test('a slash command is acked at once, then one card updates in place to the verdict, with details in its thread', async () => {
  const ch = 'C1';
  const secret = 'lab-token-123456';
  const r = await h.driver.command(`ses_1 "Look up order" ${h.url('auth-bearer-missing')} header="Authorization: ${secret}"`, { channel: ch });
  assert.equal(r.status, 200);
  assert.ok(r.ms < 3000, `ack took ${r.ms} ms`);
  assert.match(String(r.json?.['text']), /Diagnosing GET/);
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the final card');
  assert.equal(h.slack.channel(ch).length, 1, 'exactly one card in the channel');
  assert.ok(card.versions.length >= 2, 'the card was updated in place');
  const text = blocksToText(card.blocks);
  assert.match(text, /FAMILY 2/);
  assert.match(text, /auth-bearer-prefix-missing/);
  assert.match(text, /Fix: Save the global variable Authorization as the full header value: Bearer <your token>/);
  assert.match(text, /\[ Re-run \] \[ Show details \] \[ Escalate to support \]/);
  assert.match(text, /Action `Look up order`/);
  assert.ok(card.text.length > 0, 'a plain-text fallback');
  const thread = await h.slack.waitFor(() => (h.slack.thread(ch, card.ts).length >= 2 ? h.slack.thread(ch, card.ts) : null), 5000, 'thread details');
  assert.match(blocksToText(thread[0]!.blocks), /Details of every check/);
  assert.match(blocksToText(thread[0]!.blocks), /Authorization: <16 chars>/);
  assert.match(blocksToText(thread[1]!.blocks), /Re-run in 5 minutes/);
  // No credential in anything the app sent to Slack (the bot token only as the Authorization of its own calls).
  const wire = JSON.stringify(h.slack.calls.map((c) => c.args)) + JSON.stringify(h.slack.responses);
  assert.ok(!wire.includes(secret), 'the Authorization value leaked into a Slack message');
  assert.ok(!wire.includes(BOT_TOKEN));
  assert.ok(h.slack.calls.every((c) => c.token === BOT_TOKEN));
});

test('help and mistakes answer only the user (ephemeral) with usage', async () => {
  const help = await h.driver.command('help');
  assert.equal(help.json?.['response_type'], 'ephemeral');
  assert.match(JSON.stringify(help.json), /Usage/);
  const bad = await h.driver.command('ses_1 "Look up order"');
  assert.equal(bad.json?.['response_type'], 'ephemeral');
  assert.match(JSON.stringify(bad.json), /missing an endpoint/);
  const http = await h.driver.command('ses_1 x <http://api.example.com/x|api.example.com/x>');
  assert.match(JSON.stringify(http.json), /HTTPS endpoints only/);
});

test('forged and stale signatures are rejected with 401 and start nothing', async () => {
  const before = h.slack.calls.length;
  const body = new URLSearchParams({ command: '/action-debug', text: `s a ${h.url('healthy')}`, user_id: 'U1', channel_id: 'C9', team_id: 'T1', trigger_id: 't', response_url: h.slack.responseUrl() }).toString();
  const forged = await fetch(`${(h.driver as unknown as { appUrl: string }).appUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=' + '0'.repeat(64) },
    body,
  });
  assert.equal(forged.status, 401);
  const stale = await h.driver.post(body, 'application/x-www-form-urlencoded', {}, Math.floor(Date.now() / 1000) - 600);
  assert.equal(stale.status, 401);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(h.slack.calls.length, before);
});

test('a forged delivery is refused under every spelling of the endpoint (Bolt leaves the signature to the guard)', async () => {
  const before = h.slack.calls.length;
  const body = new URLSearchParams({ command: '/action-debug', text: `s a ${h.url('healthy')}`, user_id: 'U1', channel_id: 'C9', team_id: 'T1', trigger_id: 't', response_url: h.slack.responseUrl() }).toString();
  const { port } = new URL((h.driver as unknown as { appUrl: string }).appUrl);
  // Request targets that the WHATWG URL parser (Bolt's router) reads as /slack/events.
  const targets = ['/slack/events', '/slack/events?x=1', '/slack/./events', '/slack/x/../events', '/slack/%2e/events', '/./slack/events', '/slack/events#f'];
  for (const path of targets) {
    for (const method of ['POST', 'post']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=' + '0'.repeat(64), 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.ok([400, 401, 404].includes(status), `${method} ${path}: ${status}`);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(h.slack.calls.length, before, 'a forged command started something');
});

test('a retried delivery never starts a second diagnosis', async () => {
  const ch = 'C2';
  const first = await h.driver.command(`s "a" ${h.url('healthy')} header="Authorization: Bearer lab-token-healthy"`, { channel: ch });
  const retry = await h.driver.command(`s "a" ${h.url('healthy')} header="Authorization: Bearer lab-token-healthy"`, { channel: ch }, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
  assert.equal(first.status, 200);
  assert.equal(retry.status, 200);
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the card');
  assert.match(blocksToText(card.blocks), /NO PROBLEM FOUND/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(h.slack.channel(ch).length, 1);
});

test('the same user starting the same diagnosis while it runs gets a pointer to the running card', async () => {
  const ch = 'C3';
  await h.driver.command(`s a ${h.url('slow')} timeout=2`, { channel: ch });
  await h.slack.waitFor(() => h.slack.channel(ch)[0], 5000, 'the running card');
  const again = await h.driver.command(`s a ${h.url('slow')} timeout=2`, { channel: ch });
  assert.equal(again.status, 200);
  const pointer = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === again.responseUrl.split('/').pop()), 5000, 'the pointer');
  assert.match(JSON.stringify(pointer.body), /still running.*fake\.slack\.test\/archives\/C3/);
  await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the final card');
  assert.equal(h.slack.channel(ch).length, 1);
});

test('Slack answering 429 and 500 while the card updates: bounded retries, the verdict lands once', async () => {
  const ch = 'C4';
  h.slack.fail('chat.update', { status: 429, retryAfter: 0, times: 2 });
  h.slack.fail('chat.update', { status: 500, times: 2 });
  await h.driver.command(`s a ${h.url('waf-opencx-headers')}`, { channel: ch });
  const card = await h.slack.waitFor(() => finalCard(h.slack, ch), 20_000, 'the final card');
  assert.match(blocksToText(card.blocks), /waf-blocks-opencx-headers/);
  assert.equal(h.slack.channel(ch).length, 1, 'the verdict is shown once');
  const updates = h.slack.calls.filter((c) => c.method === 'chat.update' && c.args['channel'] === ch);
  assert.ok(updates.length <= 12, `bounded: ${updates.length} update calls`);
});

test('restricted to some users: others get a polite refusal', async () => {
  const r = await startHarness({ lab: h.lab, settings: { ALLOWED_USER_IDS: 'U0BOSS' } });
  try {
    const no = await r.driver.command(`s a ${r.url('healthy')}`, { user: 'U0ALICE', channel: 'C5' });
    assert.equal(no.json?.['response_type'], 'ephemeral');
    assert.match(JSON.stringify(no.json), /Sorry, action-debug is limited/);
    await new Promise((x) => setTimeout(x, 200));
    assert.equal(r.slack.channel('C5').length, 0);
  } finally {
    await r.close();
  }
});
