import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalCard, startHarness, type Harness } from '../helpers/slack-harness.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { blocksToText } from '../../src/render/blocks-text.js';

/**
 * The database refusing one write or read, at every point of a command and the clicks on its card in turn (Re-run, a
 * follow-up check, Re-run later) (a crash-point sweep,
 * for a database that answers "busy" once instead of a process that dies). What must hold whichever call fails:
 * - nothing is left `running`: every work row ends (a row left running under this process's renewed lease would hold
 *   "one running diagnosis per user and endpoint" and refuse the user's next run of it until a restart);
 * - the requester is told something: a card with a verdict, or a message (never silence);
 * - once the database answers again, the same user's next command on the same endpoint gets its card.
 * Calls made on timers (lease renewal, polling for due work, the outbox) are not counted, so the numbering follows the
 * flow; they still go through the same store.
 */
const PERIODIC = new Set(['renewWork', 'claimWork', 'claimDue', 'pendingCount', 'pendingReruns', 'purgeOlderThan', 'activeWorkspaces']);

class OneFault extends SqliteStore {
  calls: string[] = [];
  failAt = 0;
  failed: string | null = null;
  constructor(path: string) {
    super(path);
    const proto = SqliteStore.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(SqliteStore.prototype)) {
      const orig = proto[name];
      if (name === 'constructor' || name === 'close' || typeof orig !== 'function' || PERIODIC.has(name)) continue;
      (this as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        this.calls.push(name);
        if (this.calls.length === this.failAt) {
          this.failed = name;
          throw new StoreError(`${name} failed: the database is busy (another process holds it). Nothing was half-written.`, 'SQLITE_BUSY');
        }
        return (orig as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
  }
}

let lab: Lab;
let slack: FakeSlack;
before(async () => {
  lab = await startLab({ only: ['server-error'] });
  slack = await startFakeSlack();
});
after(async () => {
  await slack?.close();
  await lab?.close();
});

/** Every answer a requester got in `channel` or through the response URLs given: messages, responses, ephemerals. */
function toldIn(channel: string, responseUrls: string[]): string[] {
  const inChannel = slack.messages.filter((m) => m.channel === channel).map((m) => `${m.text}\n${blocksToText(m.blocks)}`);
  const responses = slack.responses.filter((r) => responseUrls.some((u) => u.endsWith(`/response/${r.id}`))).map((r) => `${String(r.body['text'] ?? '')}\n${JSON.stringify(r.body['blocks'] ?? '')}`);
  return [...inChannel, ...responses].filter((t) => t.trim().length > 0);
}

async function flow(store: OneFault, h: Harness, channel: string) {
  const t0 = Date.now();
  const endpoint = h.url('server-error');
  const cmd = await h.driver.command(`ses_1 "Create refund" ${endpoint} method=POST`, { channel });
  const urls = [cmd.responseUrl];
  const acked = cmd.status === 200 ? cmd.body : '';
  // The card, or whatever the requester was told instead (bounded: a refused start answers at once).
  await slack.waitFor(() => finalCard(slack, channel) ?? ((toldIn(channel, urls).length > 0 || acked.length > 0) && Date.now() - t0 > 1500 ? true : null), 20_000, `${channel}: a card or an answer (${store.failed ?? 'no failure'}; acked ${cmd.status} ${acked.slice(0, 200)})`);
  const card = finalCard(slack, channel);
  if (card) {
    await slack.waitFor(() => slack.thread(channel, card.ts).length >= 2 || (Date.now() - t0 > 4000 ? true : null), 10_000, `${channel}: its thread`);
    const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
    const before = slack.thread(channel, card.ts).length;
    const click = await h.driver.click(card, 'ad_rerun', id);
    urls.push(click.responseUrl);
    await slack.waitFor(() => slack.thread(channel, card.ts).length > before || slack.responses.some((r) => click.responseUrl.endsWith(`/response/${r.id}`)) || null, 20_000, `${channel}: the re-run answered (${store.failed})`);
    // A follow-up check from the thread's buttons, then "Re-run later" (stored, answered at once).
    const buttons = slack.thread(channel, card.ts).map((m) => JSON.stringify(m.blocks)).join('');
    const followUp = /"action_id":"(ad_follow_up(?::[\w-]+)?)","value":"([^"]+)"/.exec(buttons);
    for (const [actionId, value] of [...(followUp ? [[followUp[1]!, followUp[2]!]] : []), ['ad_rerun_later', id]] as [string, string][]) {
      const n = slack.thread(channel, card.ts).length;
      const c = await h.driver.click(card, actionId, value);
      urls.push(c.responseUrl);
      await slack.waitFor(() => slack.thread(channel, card.ts).length > n || slack.responses.some((r) => c.responseUrl.endsWith(`/response/${r.id}`)) || null, 20_000, `${channel}: ${actionId} answered (${store.failed})`);
    }
  }
  return { urls, acked, card };
}

/** Done, or a Re-run later waiting for its time (pending, due in the future: the promise kept, not work left behind). */
const finished = (r: { kind: string; state: string; due: number | null }) => r.state === 'done' || (r.kind === 'rerun-later' && r.state === 'pending' && (r.due ?? 0) > Date.now());
const rows = (store: SqliteStore) => store.db.prepare('SELECT kind, state, outcome, due_at AS due FROM work ORDER BY created_at, rowid').all() as { kind: string; state: string; outcome: string | null; due: number | null }[];

test('the database refusing any one call of a command and the clicks on its card: nothing left running, the requester told, the next command runs', { timeout: 600_000 }, async () => {
  // How many calls the flow makes when nothing fails: the sweep covers each of them.
  let total = 0;
  const wrong: string[] = [];
  for (let k = 0; ; k++) {
    const store = new OneFault(join(mkdtempSync(join(tmpdir(), 'ad-faults-')), 'bot.db'));
    store.failAt = k === 0 ? Number.POSITIVE_INFINITY : k;
    const h = await startHarness({ lab, slack, deps: { store } });
    const channel = `CF${k}`;
    try {
      const { urls, acked } = await flow(store, h, channel).catch((err: Error) => {
        wrong.push(`call ${k} (${store.failed}): ${err.message}`);
        return { urls: [], acked: 'x' };
      });
      if (k === 0) {
        total = store.calls.length;
        // Each step reached the store: the command, the Re-run, the follow-up (a second addWork) and Re-run later.
        assert.ok(['beginCardRun', 'scheduleRerun'].every((n) => store.calls.includes(n)) && store.calls.filter((c) => c === 'addWork').length >= 2, `the flow goes through the store (${store.calls.join(', ')})`);
      }
      const what = `call ${k} (${store.failed ?? 'none'})`;
      // Every row ends (the tracker writes a refused finish again; bounded).
      await slack.waitFor(() => rows(store).every(finished) || null, 15_000, `${what}: every work row finished`).catch(() => {
        assert.fail(`${what}: rows left ${JSON.stringify(rows(store).filter((r) => !finished(r)))}`);
      });
      assert.ok(toldIn(channel, urls).length > 0 || acked.length > 0, `${what}: the requester was told nothing`);
      // The database answers again: the same user's next command on the same endpoint runs.
      store.failAt = 0;
      const next = `${channel}n`;
      const again = await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel: next });
      assert.equal(again.status, 200);
      await slack.waitFor(() => finalCard(slack, next) ?? null, 20_000, `${what}: the next command's card`).catch(() => {
        assert.fail(`${what}: the next command got no card; it was told: ${toldIn(next, [again.responseUrl]).join(' | ').slice(0, 300)}`);
      });
    } catch (err) {
      wrong.push((err as Error).message);
    } finally {
      await h.close();
      await store.close();
    }
    if (k > 0 && k >= total) break;
  }
  assert.deepEqual(wrong, []);
});
