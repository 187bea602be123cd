import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { blocksToText } from '../../src/render/blocks-text.js';

/**
 * Mentions are acknowledged by Bolt before any listener runs, so they are recorded as work rows between the receiver and
 * Bolt (issue 18). What a user sees: a mention that cannot be recorded is not acknowledged (Slack delivers it again); one
 * refused by the gate leaves nothing running; a spec URL's credentials never reach the database.
 */
const URL_SECRET = 'mentionsecretvalue0123456789abcdef';
let lab: Lab;
let slack: FakeSlack;
let h: Harness;
let store: SqliteStore;
let dbPath: string;

before(async () => {
  lab = await startLab({ only: ['server-error'] });
  slack = await startFakeSlack();
  dbPath = join(mkdtempSync(join(tmpdir(), 'ad-mention-')), 'bot.db');
  store = new SqliteStore(dbPath);
  h = await startHarness({ lab, slack, deps: { store }, settings: { ALLOWED_USER_IDS: 'U0ALICE,U0BOB' } });
});
after(async () => {
  await h?.close();
  await store?.close();
  await slack?.close();
  await lab?.close();
});

const rows = (kind: string) => store.db.prepare('SELECT state, outcome, payload_json AS payload FROM work WHERE kind = ? ORDER BY created_at, rowid').all(kind) as { state: string; outcome: string | null; payload: string }[];

/** A card, its thread, and its diagnosis finished (its row done), so nothing of it still runs when a test goes on. */
async function aCard(channel: string) {
  await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel });
  const card = await slack.waitFor(() => finalCard(slack, channel), 20_000, 'the card');
  await slack.waitFor(() => slack.thread(channel, card.ts).length >= 2, 10_000, 'its thread');
  const diagnosis = () => store.db.prepare("SELECT state, outcome FROM work WHERE kind = 'diagnose' AND channel = ?").all(channel) as { state: string; outcome: string | null }[];
  await slack.waitFor(() => (diagnosis().length === 1 && diagnosis()[0]!.state === 'done') || null, 10_000, 'its diagnosis finished');
  assert.equal(diagnosis()[0]!.outcome, 'verdict');
  return card;
}

/**
 * A re-run's answer in the thread: "Re-run: " with its verdict, then what changed since (threadResultMessage); never the
 * refusal "Re-run: this card's diagnosis is still running", which starts the same way.
 */
const isRerunAnswer = (m: { blocks?: unknown }) => /^Re-run: .*\n[\s\S]*Since last time:/.test(blocksToText(m.blocks as never));

test('a mention is recorded before its ack, answered once, and its row finished', async () => {
  const card = await aCard('CM1');
  const before = rows('mention').length;
  const d = await h.driver.mention('rerun', { channel: 'CM1', threadTs: card.ts }, {}, {}, undefined, 'EvMentionOnce');
  assert.equal(d.status, 200);
  await slack.waitFor(() => slack.thread('CM1', card.ts).find(isRerunAnswer), 20_000, 'the re-run answer');
  // The same event again (Slack's retry): nothing starts twice.
  assert.equal((await h.driver.mention('rerun', { channel: 'CM1', threadTs: card.ts }, {}, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }, undefined, 'EvMentionOnce')).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(slack.thread('CM1', card.ts).filter(isRerunAnswer).length, 1, 'one re-run answer');
  const mine = rows('mention').slice(before);
  assert.equal(mine.length, 1);
  assert.deepEqual([mine[0]!.state, mine[0]!.outcome], ['done', 'handed-off']);
});

test('a mention the gate refuses leaves no work behind', async () => {
  const card = await aCard('CM2');
  const before = rows('mention').length;
  assert.equal((await h.driver.mention('rerun', { channel: 'CM2', threadTs: card.ts }, { user: 'U0MALLORY' })).status, 200);
  assert.equal(rows('mention').slice(before).length, 1, 'it was recorded before the ack');
  // Bolt acks an event before its middleware runs: the row is finished just after, waited for (bounded).
  await slack.waitFor(() => rows('mention').slice(before)[0]!.state === 'done' || null, 10_000, 'the refused mention finished');
  const mine = rows('mention').slice(before);
  assert.deepEqual([mine[0]!.state, mine[0]!.outcome], ['done', 'not-handled']);
  assert.equal(slack.thread('CM2', card.ts).filter(isRerunAnswer).length, 0, 'nothing ran');
});

test("a spec URL's credentials in a mention never reach the database", async () => {
  const card = await aCard('CM3');
  // A lab host (nothing leaves 127.0.0.1); it answers 500 to the spec, and the thread says so.
  await h.driver.mention(`spec ${new URL(h.url('server-error')).origin}/openapi.json?api_key=${URL_SECRET}`, { channel: 'CM3', threadTs: card.ts });
  await slack.waitFor(() => slack.thread('CM3', card.ts).length >= 3, 20_000, 'the answer to the spec mention');
  // And credentials as userinfo (user:pass@host), which come back as the placeholder redacted:redacted@.
  await h.driver.mention(`spec https://alice:${URL_SECRET}@${new URL(h.url('server-error')).host}/openapi.json`, { channel: 'CM3', threadTs: card.ts });
  await slack.waitFor(() => slack.thread('CM3', card.ts).length >= 4, 20_000, 'the answer to the second spec mention');
  const stored = rows('mention').map((r) => r.payload).join('\n');
  assert.match(stored, /api_key=\[redacted\]/);
  assert.match(stored, /redacted:redacted@/);
  assert.equal(rows('mention').filter((r) => JSON.parse(r.payload).intent.credentialsDropped === true).length, 2, 'both marked as not fetchable again');
  for (const f of [dbPath, `${dbPath}-wal`]) assert.ok(!existsSync(f) || !readFileSync(f).includes(URL_SECRET), `the URL credential reached ${f}`);
});

test('a mention that cannot be recorded is not acknowledged, so Slack delivers it again', async () => {
  const card = await aCard('CM4');
  const answers = () => slack.thread('CM4', card.ts).length;
  const seen = answers();
  store.db.pragma('query_only = ON'); // the database refuses writes, as a full or read-only disk does
  try {
    const d = await h.driver.mention('rerun', { channel: 'CM4', threadTs: card.ts }, {}, {}, undefined, 'EvMentionUnrecorded');
    assert.notEqual(d.status, 200, 'acknowledged although nothing was recorded');
  } finally {
    store.db.pragma('query_only = OFF');
  }
  // Slack's retry, once the database takes writes again: answered once.
  assert.equal((await h.driver.mention('rerun', { channel: 'CM4', threadTs: card.ts }, {}, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' }, undefined, 'EvMentionUnrecorded')).status, 200);
  await slack.waitFor(() => slack.thread('CM4', card.ts).find(isRerunAnswer), 20_000, 'the re-run answer');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(answers(), seen + 1, 'one answer for the two deliveries');
});

test('a mention left by a crashed process is taken up through the same gate: refused ones are finished, the rest answered once', async () => {
  const card = await aCard('CM5');
  const left = (eventId: string, user: string, workspace: string) =>
    store.addWork(
      { kind: 'mention', dedupeKey: `event:${eventId}`, workspace, channel: 'CM5', requester: user, payload: { eventId, channel: 'CM5', threadTs: card.ts, user, intent: { kind: 'rerun' } } },
      { owner: 'a-process-that-died', leaseMs: 0 }, // its lease ran out: any live process may take it up
    );
  const refusedUser = (await left('EvDead1', 'U0MALLORY', 'T0FAKE')).row.id; // not on ALLOWED_USER_IDS
  const otherWorkspace = (await left('EvDead2', 'U0BOB', 'T0OTHER')).row.id; // the card belongs to another workspace
  const fine = (await left('EvDead3', 'U0BOB', 'T0FAKE')).row.id;
  // A spec mention whose URL carried credentials: never fetched with the placeholder; the requester is asked again.
  const specLeft = (await store.addWork(
    { kind: 'mention', dedupeKey: 'event:EvDead4', workspace: 'T0FAKE', channel: 'CM5', requester: 'U0BOB', payload: { eventId: 'EvDead4', channel: 'CM5', threadTs: card.ts, user: 'U0BOB', intent: { kind: 'spec', spec: 'https://redacted:redacted@specs.lab.test/openapi.json', credentialsDropped: true } } },
    { owner: 'a-process-that-died', leaseMs: 0 },
  )).row.id;
  const state = (id: string) => store.db.prepare('SELECT state, outcome FROM work WHERE id = ?').get(id) as { state: string; outcome: string | null };
  await slack.waitFor(() => [refusedUser, otherWorkspace, fine].every((id) => state(id).state === 'done') || null, 20_000, 'the three rows taken up');
  assert.deepEqual([state(refusedUser).outcome, state(otherWorkspace).outcome, state(fine).outcome], ['refused', 'refused', 'handed-off']);
  await slack.waitFor(() => state(specLeft).state === 'done' || null, 20_000, 'the spec mention taken up');
  assert.equal(state(specLeft).outcome, 'replied');
  assert.ok(slack.thread('CM5', card.ts).some((m) => /credentials are never stored: mention me again/.test(m.text)), 'asked to mention it again');
  await slack.waitFor(() => slack.thread('CM5', card.ts).find(isRerunAnswer), 20_000, 'the re-run answer');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(slack.thread('CM5', card.ts).filter(isRerunAnswer).length, 1, 'only the allowed mention ran');
});
