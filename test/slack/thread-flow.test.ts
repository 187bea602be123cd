import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHarness, finalCard, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import type { FakeMessage } from '../../src/fakes/slack/index.js';

let h: Harness;
before(async () => {
  h = await startHarness({ only: ['healthy', 'waf-opencx-headers', 'rate-limited'], settings: { RERUN_LATER_MINUTES: '0.005' } });
});
after(async () => h?.close());

const AUTH = 'header="Authorization: Bearer lab-token-healthy"';

/** Runs a slash command in a fresh channel and waits for its final card and the two thread messages. */
async function cardIn(channel: string, scenario: string, extra = AUTH): Promise<FakeMessage> {
  await h.driver.command(`ses_1 "Look up order" ${h.url(scenario)} ${extra}`, { channel });
  const card = await h.slack.waitFor(() => finalCard(h.slack, channel), 20_000, `the card in ${channel}`);
  await h.slack.waitFor(() => h.slack.thread(channel, card.ts).length >= 2, 5000, 'details and follow-ups in the thread');
  return card;
}

/** The nth message of a card's thread, once it is there. */
function threadMessage(card: FakeMessage, n: number, what: string): Promise<string> {
  return h.slack.waitFor(() => {
    const t = h.slack.thread(card.channel, card.ts);
    return t.length > n ? blocksToText(t[n]!.blocks) || t[n]!.text : null;
  }, 20_000, what);
}

function cardId(card: FakeMessage): string {
  return /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;
}

test('Re-run updates the same card and says in the thread what changed; Show details points to the thread', async () => {
  const card = await cardIn('CT1', 'healthy');
  const versions = card.versions.length;
  const click = await h.driver.click(card, 'ad_rerun', cardId(card));
  assert.equal(click.status, 200);
  const text = await threadMessage(card, 2, 'the re-run result');
  assert.match(text, /Re-run.*No problem found/s);
  assert.match(text, /Since last time: nothing changed/);
  assert.ok(card.versions.length > versions, 'the card itself was updated again');
  assert.equal(h.slack.channel('CT1').length, 1, 'still one card in the channel');

  const details = await h.driver.click(card, 'ad_details', cardId(card));
  const answer = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === details.responseUrl.split('/').pop()), 5000, 'the details answer');
  assert.match(String(answer.body['text']), /thread/);
  assert.equal(answer.body['response_type'], 'ephemeral');
});

test('a follow-up button runs one check and answers in the thread', async () => {
  const card = await cardIn('CT2', 'waf-opencx-headers', '');
  const followUps = blocksToText(h.slack.thread('CT2', card.ts)[1]!.blocks);
  assert.match(followUps, /\[ Test without x-opencx headers \]/);
  await h.driver.click(card, 'ad_follow_up:header-blocking', `${cardId(card)}|header-blocking`);
  const text = await threadMessage(card, 2, 'the follow-up result');
  assert.match(text, /Test without x-opencx headers/);
  assert.match(text, /waf-blocks-opencx-headers/);
});

test('Re-run later: the user is told when, and the result lands in the thread by itself', async () => {
  const card = await cardIn('CT3', 'healthy');
  const click = await h.driver.click(card, 'ad_rerun_later', cardId(card));
  const ack = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === click.responseUrl.split('/').pop()), 5000, 'the promise');
  assert.match(String(ack.body['text']), /re-run this diagnosis in 0\.005 minutes/);
  assert.match(blocksToText(h.slack.thread('CT3', card.ts)[1]!.blocks), /\[ Re-run in 0\.005 minutes \]/);
  const text = await threadMessage(card, 2, 'the scheduled re-run');
  assert.match(text, /Re-run after 0\.005 min/);
});

test('@action-debug rerun and spec <url> in the thread: a new verdict and what changed', async () => {
  const card = await cardIn('CT4', 'healthy');
  await h.driver.mention('rerun', { channel: 'CT4', threadTs: card.ts });
  assert.match(await threadMessage(card, 2, 'the mention re-run'), /Re-run.*No problem found/s);

  const specUrl = new URL('/openapi.json', h.url('healthy')).href;
  await h.driver.mention(`spec <${specUrl}>`, { channel: 'CT4', threadTs: card.ts });
  const text = await threadMessage(card, 3, 'the spec re-run');
  assert.match(text, /Family 1/);
  assert.match(text, /spec-oneof/);
  assert.match(text, /Since last time:\n• broken: now .*oneOf/);
  await h.slack.waitFor(() => /FAMILY 1/.test(blocksToText(card.blocks)), 5000, 'the card showing family 1');

  await h.driver.mention('hello', { channel: 'CT4' });
  const hint = await h.slack.waitFor(() => h.slack.channel('CT4').find((m) => /Mention me in the thread of a diagnosis card/.test(m.text)), 5000, 'the hint outside a thread');
  assert.ok(hint);
});

test('a spec file attached to a mention in the thread is downloaded with the bot token and checked; other files are left alone', async () => {
  const card = await cardIn('CT5', 'healthy');
  const spec = h.slack.upload('orders.yaml', readFileSync(new URL('../openapi/fixtures/orders.yaml', import.meta.url), 'utf8'));
  const shared = await h.driver.mention('', { channel: 'CT5', threadTs: card.ts }, {}, {}, [spec]);
  assert.equal(shared.status, 200);
  const text = await threadMessage(card, 2, 'the result for the shared spec');
  assert.match(text, /Re-run with orders\.yaml/);
  assert.match(text, /Family 1/);
  assert.deepEqual(h.slack.downloads.filter((d) => d.id === spec.id).map((d) => d.token), [BOT_TOKEN]);
  await h.slack.waitFor(() => /FAMILY 1/.test(blocksToText(card.blocks)), 5000, 'the card showing family 1');

  // A screenshot attached to a mention: not downloaded, and the user is told what is read.
  const downloadsBefore = h.slack.downloads.length;
  await h.driver.mention('', { channel: 'CT5', threadTs: card.ts }, {}, {}, [h.slack.upload('screen.png', 'png', 'image/png')]);
  assert.match(await threadMessage(card, 3, 'the answer to a screenshot'), /I read OpenAPI files/);
  assert.equal(h.slack.downloads.length, downloadsBefore);

  // A payload whose link leaves Slack never receives the token: refused before any connection.
  const foreign = { ...h.slack.upload('evil.yaml', 'x'), url_private_download: 'https://files.evil.example/evil.yaml' };
  await h.driver.mention('', { channel: 'CT5', threadTs: card.ts }, {}, {}, [foreign]);
  assert.match(await threadMessage(card, 4, 'the refusal'), /points to files\.evil\.example, not to Slack/);
  assert.equal(h.slack.downloads.length, downloadsBefore);
});

test('/action-debug alone opens the form; its Authorization value is used but never shown back', async () => {
  const secret = 'Bearer lab-token-healthy';
  const r = await h.driver.command('', { channel: 'CT6' });
  assert.equal(r.status, 200);
  const view = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['callback_id'] === 'ad_diagnose_modal'), 3000, 'the form');
  const form = JSON.stringify(view.view);
  for (const field of ['session', 'action', 'endpoint', 'method', 'spec', 'authorization', 'burst', 'owner']) assert.match(form, new RegExp(`"block_id":"${field}"`));
  const meta = { id: view.id, callback_id: 'ad_diagnose_modal', private_metadata: String(view.view['private_metadata']) };
  const values = (burst?: string, owner = false) => ({
    session: { v: { value: 'ses_7' } }, action: { v: { value: 'Look up order' } }, endpoint: { v: { value: h.url('healthy') } },
    method: { v: { selected_option: { value: 'GET' } } }, spec: { v: { value: null } }, authorization: { v: { value: secret } },
    burst: { v: { value: burst ?? null } }, owner: { v: { selected_options: owner ? [{ value: 'owner' }] : [] } },
  });

  const refused = await h.driver.submitView(meta, values('5'));
  assert.equal(refused.json?.['response_action'], 'errors');
  assert.match(JSON.stringify(refused.json), /"burst":"tick \\"I own or operate this endpoint\\"/);

  const ok = await h.driver.submitView(meta, values());
  assert.equal(ok.status, 200);
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CT6'), 20_000, 'the card from the form');
  assert.match(blocksToText(card.blocks), /NO PROBLEM FOUND/);
  const wire = JSON.stringify(h.slack.calls.map((c) => c.args)) + JSON.stringify(h.slack.responses);
  assert.ok(!wire.includes('lab-token-healthy'), 'the Authorization value from the form reached Slack');
});

test('GET /healthz answers 200 on the app port', async () => {
  const res = await fetch(`${(h.driver as unknown as { appUrl: string }).appUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});
