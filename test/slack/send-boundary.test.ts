/**
 * The send boundary (src/slack/send-boundary.ts) as the app's clients use it, against the fake Slack: a message that
 * fits goes out unchanged; one that does not is split, its head where it was asked (post, update, ephemeral,
 * response_url) and the rest after it; every fallback text is within 4,000 characters, never cut inside an emoji or an
 * entity.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bolt from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';
import { slackSendBoundary } from '../../src/slack/send-boundary.js';
import { blockTextLength, capText, MESSAGE_BUDGET, splitMessage } from '../../src/render/slack-budget.js';
import { seededRandom } from '../helpers/seeded-random.js';

let slack: FakeSlack;
let client: InstanceType<typeof bolt.webApi.WebClient>;
before(async () => {
  slack = await startFakeSlack({ rateLimits: false });
  client = new bolt.webApi.WebClient('xoxb-boundary', slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
});
after(async () => slack?.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
/** What Slack receives for blocks sent through the boundary: the same, with every mrkdwn object verbatim (literal). */
const sent = (blocks: ReturnType<typeof section>[]) => blocks.map((b) => ({ ...b, text: { ...b.text, verbatim: true } }));
const big = (n: number, size = 2900) => Array.from({ length: n }, (_, i) => section(`${i}:${'x'.repeat(size)}`));

test('a message that fits goes out as it came (one call, the same blocks), its text literal', async () => {
  const before = slack.calls.length;
  const blocks = big(3);
  const r = await client.chat.postMessage({ channel: 'CFIT', text: 'fits', blocks });
  assert.equal(slack.calls.length, before + 1);
  assert.deepEqual(slack.messages.find((m) => m.ts === r.ts)!.blocks, sent(blocks));
});

test('text goes literal: every mrkdwn object verbatim (messages and views), chat.update with parse none', async () => {
  const r = await client.chat.postMessage({ channel: 'CLIT', text: 'x', blocks: [section('@channel see #general'), { type: 'context', elements: [{ type: 'mrkdwn', text: '@here' }, { type: 'plain_text', text: 'p' }] }] });
  await client.chat.update({ channel: 'CLIT', ts: String(r.ts), text: '@channel', blocks: [section('@everyone')] });
  await client.views.open({ trigger_id: slack.issueTrigger(), view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [section('@channel')] } });
  const mine = slack.payloads.filter((p) => JSON.stringify(p.body).match(/@channel|@here|@everyone/));
  assert.ok(mine.length >= 3, 'the three calls were recorded');
  for (const p of mine) {
    const objects: Record<string, unknown>[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (o['type'] === 'mrkdwn') objects.push(o);
      Object.values(o).forEach(walk);
    };
    walk(p.body);
    assert.ok(objects.length > 0 && objects.every((o) => o['verbatim'] === true), `${p.method}: every mrkdwn object verbatim`);
    assert.ok(!JSON.stringify(p.body).includes('"plain_text","text":"p","verbatim"'), 'plain_text never gets verbatim (Slack refuses it)');
    if (p.method === 'chat.update') assert.equal((p.body as Record<string, unknown>)['parse'], 'none');
  }
  assert.deepEqual(slack.refused, []);
});

test('chat.postMessage too long for one message: the head in the channel says the rest is in its thread, which has it, in order', async () => {
  const blocks = big(9);
  const r = await client.chat.postMessage({ channel: 'CPOST', text: 'long', blocks });
  const head = slack.messages.find((m) => m.ts === r.ts)!;
  assert.equal(head.threadTs, null);
  assert.match(JSON.stringify(head.blocks), /Continued in the thread \(part 1 of 3\)/);
  const rest = slack.thread('CPOST', String(r.ts));
  assert.equal(rest.length, 2);
  const shown = [head, ...rest].flatMap((m) => m.blocks).filter((b) => !/"_\(?[Cc]ontinued/.test(JSON.stringify(b)));
  assert.deepEqual(shown, sent(blocks));
  assert.ok([head, ...rest].every((m) => blockTextLength(m.blocks) <= MESSAGE_BUDGET.blockText));
  assert.deepEqual(slack.refused, []);
});

test('chat.update too long: the card takes the head, its thread the rest; 60 blocks are split by count too', async () => {
  const card = await client.chat.postMessage({ channel: 'CUPD', text: 'card' });
  await client.chat.update({ channel: 'CUPD', ts: String(card.ts), text: 'verdict', blocks: big(8) });
  const thread = slack.thread('CUPD', String(card.ts));
  assert.equal(thread.length, 2);
  assert.match(JSON.stringify(slack.messages.find((m) => m.ts === card.ts)!.blocks), /Continued in this message's thread/);
  const many = Array.from({ length: 60 }, (_, i) => section(`line ${i}`));
  const r = await client.chat.postMessage({ channel: 'CCOUNT', text: 'many', blocks: many });
  const all = [slack.messages.find((m) => m.ts === r.ts)!, ...slack.thread('CCOUNT', String(r.ts))];
  assert.equal(all.length, 2);
  assert.ok(all.every((m) => m.blocks.length <= 50));
  assert.deepEqual(slack.refused, []);
});

test('a thread reply too long continues below it, in the same thread; an ephemeral continues as more ephemerals', async () => {
  const parent = await client.chat.postMessage({ channel: 'CTHR', text: 'parent' });
  const parts = splitMessage({ text: 'x', blocks: big(7) }, 'below').length;
  assert.equal(parts, 3);
  await client.chat.postMessage({ channel: 'CTHR', thread_ts: String(parent.ts), text: 'details', blocks: big(7) });
  const thread = slack.thread('CTHR', String(parent.ts));
  assert.equal(thread.length, parts);
  assert.match(JSON.stringify(thread[0]!.blocks), /Continued below/);
  await client.chat.postEphemeral({ channel: 'CEPH', user: 'U0ALICE', text: 'only you', blocks: big(7) });
  const eph = slack.messages.filter((m) => m.channel === 'CEPH');
  assert.equal(eph.length, parts);
  assert.ok(eph.every((m) => m.ephemeralTo === 'U0ALICE'));
  assert.deepEqual(slack.refused, []);
});

test("Bolt's respond (a response_url post) goes through the same boundary: head, then the rest, never replacing it", async () => {
  const url = slack.responseUrl();
  const fetchFn = slackSendBoundary(globalThis.fetch, slack.apiUrl);
  const res = await fetchFn(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', replace_original: true, text: 'answer', blocks: big(7) }) });
  assert.equal(res.status, 200);
  const got = slack.responses.filter((r) => r.id === url.split('/').pop());
  assert.equal(got.length, 3);
  assert.equal(got[0]!.body['replace_original'], true);
  assert.ok(got.slice(1).every((g) => g.body['replace_original'] === false && g.body['response_type'] === 'ephemeral'));
  assert.deepEqual(slack.refused, []);
});

test('fallback text: capped at 4,000 for every method (chat.update documents it), never inside an emoji or an entity', async () => {
  const card = await client.chat.postMessage({ channel: 'CTXT', text: 'card' });
  // runningCard's fallback carries the endpoint's host, which Node's URL parser takes at thousands of characters.
  const text = `action-debug: diagnosing GET ${'h'.repeat(4885)}… (0/9 checks done)`;
  await client.chat.update({ channel: 'CTXT', ts: String(card.ts), text, blocks: [section('running')] });
  assert.ok(slack.messages.find((m) => m.ts === card.ts)!.text.length <= 4000);
  const rand = seededRandom(3);
  for (let i = 0; i < 300; i++) {
    const s = Array.from({ length: 4100 }, () => ['a', '🧪', '&amp;', '&lt;', '<@U0ALICE>', '<!date^1^{date}|x>'][Math.floor(rand() * 6)]).join('');
    const c = capText(s, 4000);
    assert.ok(c.length <= 4000);
    assert.ok(!/[\uD800-\uDBFF]…$/.test(c), 'no half emoji');
    assert.ok(!/&[a-z]*…$/.test(c) && !/<[^>]*…$/.test(c), `no cut entity or token: ${c.slice(-20)}`);
  }
  assert.deepEqual(slack.refused, []);
});

test('splitMessage keeps every block, in order, each part within the budget (generated block sizes)', () => {
  const rand = seededRandom(11);
  for (let k = 0; k < 200; k++) {
    const blocks = Array.from({ length: 1 + Math.floor(rand() * 120) }, (_, i) => section(`${i}${'y'.repeat(Math.floor(rand() * 2999))}`));
    const parts = splitMessage({ text: 't', blocks }, 'below');
    assert.deepEqual(parts.flatMap((p) => p.blocks!).filter((b) => !/"_\(?[Cc]ontinued/.test(JSON.stringify(b))), blocks);
    for (const p of parts) {
      assert.ok(blockTextLength(p.blocks) <= MESSAGE_BUDGET.blockText, `${blockTextLength(p.blocks)}`);
      assert.ok(p.blocks!.length <= 50);
    }
  }
});
