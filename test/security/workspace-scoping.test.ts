import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { until } from '../helpers/until.js';
import { storeSink } from '../../src/slack/support.js';
import { blocksToText } from '../../src/render/blocks-text.js';

// Issue 17.5: with OAuth installs one database serves several workspaces; no stored read crosses between them.

let h: Harness;
let store: SqliteStore;
before(async () => {
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-scope-')), 'bot.db'));
  h = await startHarness({ only: ['healthy'], deps: { store, sinks: [storeSink(store)] } });
});
after(async () => {
  await h?.close();
  await store.close();
});

const A = { team: 'T0AAA', user: 'U0ALICE' };
const B = { team: 'T0BBB', user: 'U0MALLORY' };

test("history shows only the asking workspace's diagnoses", async () => {
  await h.driver.command(`ses_1 "Secret partner action" ${h.url('healthy')}`, { channel: 'CSA1', ...A });
  await h.slack.waitFor(() => finalCard(h.slack, 'CSA1'), 20_000, "team A's card");
  await until(async () => (await store.history('Secret partner action', 10)).length > 0, 5000, 'stored');
  const mine = await h.driver.command('history "Secret partner action"', { channel: 'CSA1', ...A });
  assert.match(String(mine.json?.['text']), /Last diagnoses of\* `Secret partner action`/);
  assert.match(String(mine.json?.['text']), /<@U0ALICE>/);
  const theirs = await h.driver.command('history "Secret partner action"', { channel: 'CSB1', ...B });
  assert.match(String(theirs.json?.['text']), /No diagnoses of `Secret partner action` yet/);
  assert.doesNotMatch(String(theirs.json?.['text']), /U0ALICE/);
});

test("a spec shared in one workspace cannot be named from another, and a card's thread answers only its own workspace", async () => {
  await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CSA2', ...A });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CSA2'), 20_000, "team A's card");
  await h.slack.waitFor(() => h.slack.thread('CSA2', card.ts).length >= 2, 5000, 'the thread');
  const spec = h.slack.upload('partner-orders.yaml', readFileSync(new URL('../openapi/fixtures/orders.yaml', import.meta.url), 'utf8'));
  // Specs come attached to a mention (the app reads no channel messages: issue 19, least privilege).
  await h.driver.mention('', { channel: 'CSA2', threadTs: card.ts }, A, {}, [spec]);
  await h.slack.waitFor(() => h.slack.thread('CSA2', card.ts).some((m) => /Re-run with partner-orders\.yaml/.test(blocksToText(m.blocks))), 20_000, "team A's re-run with its spec");
  const key = `slack-file:${spec.id}/partner-orders.yaml`;

  // Team B names team A's upload on its own command: refused in the ack, nothing starts.
  const r = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')} spec=${key}`, { channel: 'CSB2', ...B });
  assert.match(String(r.json?.['text']), /a spec is an `https:\/\/` URL, or a \.json\/\.yaml file shared in the card's thread/);
  // Team B, in a shared channel with the same ID, mentions the bot in team A's card thread: refused, nothing re-runs.
  const versions = card.versions.length;
  const hits = h.lab.requests('healthy').length;
  await h.driver.mention('rerun', { channel: 'CSA2', threadTs: card.ts }, B);
  await h.slack.waitFor(() => h.slack.messages.find((m) => m.ephemeralTo === B.user && /another channel or workspace/.test(m.text)), 5000, 'the refusal');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(card.versions.length, versions);
  assert.equal(h.lab.requests('healthy').length, hits, 'nothing was probed for team B');
  assert.equal(h.slack.channel('CSB2').length, 0);
  assert.equal(h.slack.downloads.filter((d) => d.id === spec.id).length, 1, 'downloaded once, for team A');
});
