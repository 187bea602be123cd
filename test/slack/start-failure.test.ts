import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalCard, startHarness } from '../helpers/slack-harness.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { blocksToText } from '../../src/render/blocks-text.js';

// The database fails after the ack and before the diagnosis (here: taking the "one running diagnosis per user and
// endpoint" hold). What must hold: the command is not left as a running row that this process renews until it stops
// (neither run nor said to have failed); it ends `failed`, the requester is told, nothing is probed, and the next
// command runs normally.
class HoldFailsOnce extends SqliteStore {
  failures = 1;
  override async holdWork(...args: Parameters<SqliteStore['holdWork']>): ReturnType<SqliteStore['holdWork']> {
    if (this.failures-- > 0) throw new StoreError('Holding the diagnosis: the database is busy', 'SQLITE_BUSY');
    return super.holdWork(...args);
  }
}

test('a database failure between the ack and the diagnosis: the row ends failed, the requester is told, the next command runs', async () => {
  const store = new HoldFailsOnce(join(mkdtempSync(join(tmpdir(), 'ad-startfail-')), 'bot.db'));
  const h = await startHarness({ only: ['healthy'], deps: { store } });
  try {
    const rows = () => store.db.prepare("SELECT state, outcome FROM work WHERE kind = 'diagnose' ORDER BY created_at, rowid").all() as { state: string; outcome: string | null }[];
    const told = (url: string) => h.slack.responses.filter((r) => url.endsWith(`/response/${r.id}`)).map((r) => String(r.body['text']));
    const first = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CFAIL' });
    assert.equal(first.status, 200);
    await h.slack.waitFor(() => told(first.responseUrl).some((t) => /could not start: its database did not answer/.test(t)), 10_000, 'the requester told');
    await h.slack.waitFor(() => rows()[0]?.outcome === 'failed', 10_000, 'the row finished as failed');
    assert.notEqual(rows()[0]!.state, 'running');
    assert.equal(h.lab.requests('healthy').length, 0, 'nothing probed');
    assert.equal(h.slack.channel('CFAIL').length, 0, 'no card');
    assert.ok(!told(first.responseUrl).some((t) => /Busy|database is busy/.test(t)), 'our error text is not shown');

    const second = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CFAIL' });
    assert.equal(second.status, 200);
    await h.slack.waitFor(() => rows()[1]?.outcome === 'verdict', 30_000, 'the next command ran');
    assert.ok(h.lab.requests('healthy').length > 0);

    // A Re-run click whose hold fails the same way: its row ends failed, the clicker is told, the card's next run works.
    const card = await h.slack.waitFor(() => finalCard(h.slack, 'CFAIL'), 10_000, 'the card');
    const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
    const reruns = () => store.db.prepare("SELECT state, outcome FROM work WHERE kind = 'rerun' ORDER BY created_at, rowid").all() as { state: string; outcome: string | null }[];
    const probedBefore = h.lab.requests('healthy').length;
    store.failures = 1;
    const click = await h.driver.click(card, 'ad_rerun', id);
    await h.slack.waitFor(() => told(click.responseUrl).some((t) => /could not start: its database did not answer/.test(t)), 10_000, 'the clicker told');
    await h.slack.waitFor(() => reruns()[0]?.outcome === 'failed', 10_000, 'the re-run row finished as failed');
    assert.equal(h.lab.requests('healthy').length, probedBefore, 'nothing probed');
    await h.driver.click(card, 'ad_rerun', id);
    await h.slack.waitFor(() => reruns()[1]?.outcome === 'verdict', 30_000, 'the next re-run ran');
  } finally {
    await h.close();
    await store.close();
  }
});

// The database refuses writes for a while at the end of a diagnosis (its step records, then its finish). What must hold:
// the requester sees the verdict and its thread and is not told it failed; the row does not stay `running` under this
// process's renewed lease (which would refuse this user's next run of the endpoint, "still running", until a restart):
// it is finished as soon as the database takes writes again, and the next command on the same endpoint runs.
class EndRefused extends SqliteStore {
  stepFailures = 0;
  finishFailures = 0;
  override async stepWork(...args: Parameters<SqliteStore['stepWork']>): ReturnType<SqliteStore['stepWork']> {
    if (this.stepFailures-- > 0) throw new StoreError('Recording a step failed: the database is read-only. Nothing was half-written.', 'SQLITE_READONLY');
    return super.stepWork(...args);
  }
  override async finishWork(...args: Parameters<SqliteStore['finishWork']>): ReturnType<SqliteStore['finishWork']> {
    if (this.finishFailures-- > 0) throw new StoreError('Finishing work failed: the database is read-only. Nothing was half-written.', 'SQLITE_READONLY');
    return super.finishWork(...args);
  }
  // The tracker writes a refused finish again through this (only over its own run).
  override async finishOwnedWork(...args: Parameters<SqliteStore['finishOwnedWork']>): ReturnType<SqliteStore['finishOwnedWork']> {
    if (this.finishFailures-- > 0) throw new StoreError('Finishing work failed: the database is read-only. Nothing was half-written.', 'SQLITE_READONLY');
    return super.finishOwnedWork(...args);
  }
}

test('the database refusing the steps and the finish of a diagnosis: the verdict is shown, the row is finished once it answers, the endpoint runs again', async () => {
  const store = new EndRefused(join(mkdtempSync(join(tmpdir(), 'ad-endfail-')), 'bot.db'));
  const h = await startHarness({ only: ['server-error'], deps: { store } });
  try {
    const rows = () => store.db.prepare("SELECT state, outcome FROM work WHERE kind = 'diagnose' ORDER BY created_at, rowid").all() as { state: string; outcome: string | null }[];
    const told = (url: string) => h.slack.responses.filter((r) => url.endsWith(`/response/${r.id}`)).map((r) => String(r.body['text']));
    store.stepFailures = 3; // every step of the first diagnosis: posted, verdict, thread
    store.finishFailures = 3; // its finish, and the first two writes again
    const first = await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel: 'CEND' });
    const card = await h.slack.waitFor(() => finalCard(h.slack, 'CEND'), 20_000, 'the card');
    await h.slack.waitFor(() => h.slack.thread('CEND', card.ts).length >= 2, 10_000, 'its thread');
    assert.match(blocksToText(card.blocks), /family 3[\s\S]*server error \(5xx\)/i);
    await h.slack.waitFor(() => rows()[0]?.state === 'done' || null, 10_000, 'the row finished once the database answered');
    assert.equal(rows()[0]!.outcome, 'verdict');
    assert.equal(store.finishFailures, -1, 'the finish was written again until it was taken');
    assert.ok(!told(first.responseUrl).some((t) => /did not finish|did not accept/.test(t)), 'the requester is not told it failed');

    const second = await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel: 'CEND' });
    await h.slack.waitFor(() => rows()[1]?.outcome === 'verdict' || null, 30_000, 'the next command on the endpoint ran');
    assert.ok(!told(second.responseUrl).some((t) => /still running/.test(t)), 'not refused as still running');
    assert.equal(h.slack.channel('CEND').filter((m) => !m.threadTs && !m.ephemeralTo).length, 2, 'two cards');
  } finally {
    await h.close();
    await store.close();
  }
});
