import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { until } from '../helpers/until.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

const SECRET = 'lab-token-123456';
let lab: Lab;
let slack: FakeSlack;
let dbPath: string;

before(async () => {
  lab = await startLab({ only: ['auth-bearer-missing', 'server-error'] });
  slack = await startFakeSlack();
  dbPath = join(mkdtempSync(join(tmpdir(), 'ad-restart-')), 'bot.db');
});
after(async () => {
  await slack?.close();
  await lab?.close();
});

/** One life of the app: its own process state (cards in memory, timers), the same database and the same Slack. */
async function life(settings: Record<string, string> = {}): Promise<{ h: Harness; store: SqliteStore; stop(): Promise<void> }> {
  const store = new SqliteStore(dbPath);
  const worker = new OutboxWorker({ store, senders: slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl }))), baseDelayMs: 20, pollMs: 50 });
  worker.start();
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUP' }), silentLogger);
  const h = await startHarness({ lab, slack, deps: { store, support }, settings });
  return { h, store, stop: async () => { await h.close(); await worker.stop(); await store.close(); } };
}

const idOf = (card: { blocks: unknown[] }) => /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(card.blocks))![1]!;

test('after a restart, the buttons of earlier cards still work: re-run, escalate, and a re-run that would need a secret says so', async () => {
  const first = await life();
  const url = (id: string) => lab.scenarios.find((s) => s.id === id)!.url;
  await first.h.driver.command(`ses_1 "Look up order" ${url('auth-bearer-missing')} header="Authorization: ${SECRET}"`, { channel: 'CR1' });
  await first.h.driver.command(`ses_2 "Create refund" ${url('server-error')} method=POST`, { channel: 'CR2' });
  const withSecret = await slack.waitFor(() => finalCard(slack, 'CR1'), 20_000, 'the first card');
  const plain = await slack.waitFor(() => finalCard(slack, 'CR2'), 20_000, 'the second card');
  await slack.waitFor(() => slack.thread('CR1', withSecret.ts).length >= 2 && slack.thread('CR2', plain.ts).length >= 2, 5000, 'both threads');
  await first.stop();

  const second = await life();
  try {
    // Re-run of a card without credentials: the same card updates and the thread says what changed.
    const versions = plain.versions.length;
    await second.h.driver.click(plain, 'ad_rerun', idOf(plain));
    const rerun = await slack.waitFor(() => slack.thread('CR2', plain.ts)[2], 20_000, 'the re-run after the restart');
    assert.match(blocksToText(rerun.blocks), /Re-run: .*Family 3.*server-error/s);
    assert.ok(plain.versions.length > versions);

    // Re-run of a card that carried an Authorization value: it is not in the database, so the user is asked for it.
    await second.h.driver.mention('rerun', { channel: 'CR1', threadTs: withSecret.ts });
    const refusal = await slack.waitFor(() => slack.thread('CR1', withSecret.ts)[2], 5000, 'the answer to rerun');
    assert.match(blocksToText(refusal.blocks), /from before a restart, and its Authorization value is never stored/);

    // Escalate works from the stored verdict: the form opens, and the ticket carries the pre-restart evidence.
    await second.h.driver.click(withSecret, 'ad_escalate', idOf(withSecret));
    const modal = await slack.waitFor(() => slack.views.find((v) => v.view['callback_id'] === 'ad_escalate_modal'), 3000, 'the escalation form');
    assert.match(blocksToText(modal.view['blocks'] as unknown[]), /auth-bearer-prefix-missing/);
    await second.h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
      expected: { v: { value: 'the order status' } }, impact: { v: { value: 'customers wait' } }, urgency: { v: { selected_option: { value: 'high' } } },
    });
    const supportCard = await slack.waitFor(() => slack.channel('CSUP')[0], 10_000, 'the ticket in the support channel');
    assert.match(blocksToText(supportCard.blocks), /auth-bearer-prefix-missing/);
    await slack.waitFor(() => /Escalated as ticket #1/.test(blocksToText(withSecret.blocks)), 10_000, 'the card marked escalated');
  } finally {
    await second.stop();
  }
  assert.ok(!readFileSync(dbPath).includes(SECRET), 'the Authorization value reached the database');
  const wire = JSON.stringify(slack.calls.map((c) => c.args)) + JSON.stringify(slack.responses);
  assert.ok(!wire.includes(SECRET));
});

test('"Re-run in N minutes" survives a restart: it falls due while the app is down and runs once when it is back', async () => {
  // 3 s: time enough, even on a loaded machine, to stop the first life before it is due.
  const soon = { RERUN_LATER_MINUTES: '0.05' };
  const first = await life(soon);
  const url = lab.scenarios.find((s) => s.id === 'server-error')!.url;
  await first.h.driver.command(`ses_3 "Create refund" ${url} method=POST`, { channel: 'CR3' });
  const card = await slack.waitFor(() => finalCard(slack, 'CR3'), 20_000, 'the card');
  const followUps = await slack.waitFor(() => slack.thread('CR3', card.ts)[1], 5000, 'the follow-up buttons');
  assert.match(blocksToText(followUps.blocks), /\[ Re-run in 0\.05 minutes \]/);
  const click = await first.h.driver.click(card, 'ad_rerun_later', idOf(card));
  const said = await slack.waitFor(() => slack.responses.find((r) => r.id === click.responseUrl.split('/').pop()), 5000, 'the confirmation');
  assert.match(String(said.body['text']), /re-run this diagnosis in 0.05 minutes/);
  const pending = await first.store.pendingReruns();
  assert.deepEqual(pending.map((r) => r.cardId), [idOf(card)]);
  await first.stop();
  assert.ok(Date.now() < pending[0]!.dueAt, 'the first life stopped before it was due');

  await new Promise((r) => setTimeout(r, pending[0]!.dueAt - Date.now() + 300)); // due while nothing runs
  assert.equal(slack.thread('CR3', card.ts).length, 2, 'nothing ran while the app was down');
  const second = await life(soon);
  try {
    const rerun = await slack.waitFor(() => slack.thread('CR3', card.ts)[2], 20_000, 'the scheduled re-run after the restart');
    assert.match(blocksToText(rerun.blocks), /Re-run after 0.05 min.*server-error/s);
    await until(async () => (await second.store.pendingReruns()).length === 0, 5000, 'the re-run marked done after its answer');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(slack.thread('CR3', card.ts).length, 3, 'it ran once');
  } finally {
    await second.stop();
  }
});
