/**
 * The card leads with what matters to a support engineer (issue 19 item 6): through the real app, a lab endpoint and
 * the fake OpenCX, as a user sees the blocks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, distinctAttempts, SupportSettingsSchema } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

let h: Harness;
let api: FakeOpenCx;
let client: OpenCxClient;
let store: SqliteStore;
let worker: OutboxWorker;

before(async () => {
  api = await startFakeOpenCx({ data: demoDataset() });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-card-')), 'bot.db'));
  let send: ReturnType<typeof slackSenders> | null = null;
  worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT' }), silentLogger);
  h = await startHarness({ only: ['waf-opencx-headers'], deps: { services: { opencx: new OpenCxFacts(client) }, support, store } });
  send = slackSenders(new bolt.webApi.WebClient('xoxb-test-token-planted-7f3a9c', slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
});
after(async () => {
  await worker?.stop();
  await h?.close();
  await client?.close();
  await api?.close();
  store?.close();
});

test('a WAF block on a URL that is not the saved one: wrong URL first, no description lint in "Also found", checks folded to counts', async () => {
  // "Refund" is saved with another endpoint and a one-word description ("Refunds"): a family-4 warning.
  await h.driver.command(`ses_web "Refund" ${h.url('waf-opencx-headers')}`, { channel: 'CCARD' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CCARD'), 20_000, 'the card');
  await h.slack.waitFor(() => h.slack.thread('CCARD', card.ts).length >= 2, 5000, 'the thread');
  const text = blocksToText(card.blocks);
  const lines = text.split('\n');
  assert.match(lines[2] ?? '', /You may be debugging the wrong URL/, `said up front:\n${text}`);
  // A URL from outside is shown as typed in a code span: exact when copied, and not auto-linked by Slack.
  assert.match(text, /Saved: POST `https:\/\/api\.acme\.test\/refunds`/);
  assert.match(text, /waf-blocks-opencx-headers/);
  // Our own cause text names a header pattern to paste into a WAF rule: shown as typed, no look-alike (U+2217) in it.
  assert.match(text, /`x-opencx-\*`/);
  assert.doesNotMatch(text, /[\u02CD\u2217\u223C]/);
  assert.ok(!/opencx-description/.test(text), `description lint under a WAF block:\n${text}`);
  assert.match(text, /\d+ checks: \d+ passed, \d+ failed.* · each one in the thread/);
  assert.ok(!/✓ DNS/.test(text), 'the checklist itself is not on the card');
  const details = blocksToText(h.slack.thread('CCARD', card.ts)[0]!.blocks);
  assert.match(details, /opencx-description-short/, 'the lint is still in the thread');
  assert.match(details, /✓ DNS/, 'the checklist is in the thread');
});

test('the support card includes what else was found; "Tried" lists distinct attempts', async () => {
  const card = finalCard(h.slack, 'CCARD')!;
  const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
  for (let i = 0; i < 2; i++) {
    await h.driver.click(card, 'ad_rerun', id);
    await h.slack.waitFor(() => h.slack.thread('CCARD', card.ts).filter((m) => /^Re-run/.test(m.text)).length > i, 20_000, `re-run ${i + 1}`);
  }
  await h.driver.click(card, 'ad_escalate', id);
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: id })), 3000, 'the ticket form');
  await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: 'x' } }, impact: { v: { value: 'y' } }, urgency: { v: { selected_option: { value: 'low' } } },
  });
  const ticket = await h.slack.waitFor(() => h.slack.channel('CSUPPORT')[0], 5000, 'the support card');
  const shown = blocksToText(ticket.blocks);
  assert.match(shown, /Also found: .*opencx-/);
  assert.match(shown, /Tried: re-run ×2 \(/, shown);

  assert.deepEqual(distinctAttempts([
    { what: 're-run', outcome: 'a', at: 't1' }, { what: 're-run', outcome: 'a', at: 't2' }, { what: 're-run', outcome: 'b', at: 't3' },
  ]), ['re-run ×2 (t1 … t2): a', 're-run at t3: b']);
});

test('a spec shared in the thread of a failing card adds its findings; the live failure stays the headline', async () => {
  const h2 = await startHarness({ only: ['auth-bearer-missing', 'healthy'] });
  try {
    await h2.driver.command(`ses_1 "Look up order" ${h2.url('auth-bearer-missing')}`, { channel: 'CSPEC' });
    const card = await h2.slack.waitFor(() => finalCard(h2.slack, 'CSPEC'), 20_000, 'the card');
    await h2.slack.waitFor(() => h2.slack.thread('CSPEC', card.ts).length >= 2, 5000, 'the thread');
    assert.match(blocksToText(card.blocks), /FAMILY 2/);
    const specUrl = new URL('/openapi.json', h2.url('healthy')).href;
    await h2.driver.mention(`spec <${specUrl}>`, { channel: 'CSPEC', threadTs: card.ts });
    await h2.slack.waitFor(() => h2.slack.thread('CSPEC', card.ts).length >= 3, 20_000, 'the spec re-run');
    await h2.slack.waitFor(() => /spec-oneof/.test(blocksToText(card.blocks)), 5000, 'the spec finding on the card');
    const text = blocksToText(card.blocks);
    assert.match(text.split('\n')[0]!, /FAMILY 2/, `the live failure stays the headline:\n${text}`);
    assert.match(text, /Also found: .*spec-oneof/);
  } finally {
    await h2.close();
  }
});
