import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOT_TOKEN, finalCard, startHarness, type Harness } from '../helpers/slack-harness.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import bolt from '@slack/bolt';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { startFakeOpenCx, demoDataset } from '../../src/fakes/opencx/server.js';
import type { Action } from '../../src/opencx/schemas.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { WatchSettingsSchema } from '../../src/watch/settings.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

/**
 * The database refusing one write or read, at every point of a command and the clicks on its card in turn (Re-run, a
 * follow-up check, Re-run later), then the form for the same endpoint (a crash-point sweep,
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
          // What the store really throws: its own StoreError where a method explains the driver's error, the driver's
          // SqliteError where it passes it on. Both, in turn.
          throw this.failAt % 2
            ? new Database.SqliteError('database is locked', 'SQLITE_BUSY')
            : new StoreError(`${name} failed: the database is busy (another process holds it). Nothing was half-written.`, 'SQLITE_BUSY');
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
  // Slack's rate tiers off (they are tested in delivery and slack-rules): thirty cases share one bot token, and past
  // chat.update's 50 a minute each case would wait out 429s instead of testing what it is for.
  slack = await startFakeSlack({ rateLimits: false });
});
after(async () => {
  await slack?.close();
  await lab?.close();
});

/** Where the fake Slack's records stand now (its message ts are a counter, not a time). */
const mark = () => ({ messages: slack.messages.length, responses: slack.responses.length });

/**
 * What the requester was told apart from a card, since `since`: the given response URLs' answers, ephemeral messages
 * in `channel`, and messages in their DM (where an answer goes when there is no other way to reach them).
 */
function toldApart(user: string, channel: string, responseUrls: string[], since: ReturnType<typeof mark>): string[] {
  // A DM to the user lands in the app's DM with them: Slack answers a post to a user ID with that D… channel.
  const messages = slack.messages.slice(since.messages).filter((m) => m.channel === slack.dm(user) || (m.channel === channel && m.ephemeralTo)).map((m) => `${m.text}\n${blocksToText(m.blocks)}`);
  const responses = slack.responses.slice(since.responses).filter((r) => responseUrls.some((u) => u.endsWith(`/response/${r.id}`))).map((r) => `${String(r.body['text'] ?? '')}\n${JSON.stringify(r.body['blocks'] ?? '')}`);
  return [...messages, ...responses].filter((t) => t.trim().length > 0);
}

/**
 * A command, the clicks on its card, then the form. Each step acts on a settled app, as a person does: the previous
 * step's work rows have ended (a click in the milliseconds between an answer and its row's end is refused as "still
 * running", rightly, and is not what this test is about). Every step must end in a card or an answer.
 */
async function flow(store: OneFault, h: Harness, channel: string) {
  const t0 = mark();
  const settled = (what: string) => slack.waitFor(() => rows(store).every(finished) || null, 20_000, `${channel}: every work row ended after ${what} (${store.failed})`);
  const endpoint = h.url('server-error');
  const cmd = await h.driver.command(`ses_1 "Create refund" ${endpoint} method=POST`, { channel });
  const acked = cmd.status === 200 ? cmd.body : '';
  await settled('the command');
  const card = finalCard(slack, channel);
  if (!card) {
    // The command's own answer says why (its ack otherwise only says the card is coming), or a later answer does.
    // (Waited for: the row ends before the requester is told.)
    if (!/database/i.test(acked)) await slack.waitFor(() => toldApart('U0ALICE', channel, [cmd.responseUrl], t0).length > 0 || null, 10_000, `${channel}: no card and nothing said (${store.failed}; acked: ${acked.slice(0, 120)})`);
  } else {
    await slack.waitFor(() => slack.thread(channel, card.ts).length >= 2 || null, 10_000, `${channel}: its thread (${store.failed})`);
    const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
    const buttons = slack.thread(channel, card.ts).map((m) => JSON.stringify(m.blocks)).join('');
    const followUp = /"action_id":"(ad_follow_up(?::[\w-]+)?)","value":"([^"]+)"/.exec(buttons);
    // Re-run, a follow-up check from the thread's buttons, then "Re-run later" (stored, answered at once).
    for (const [actionId, value] of [['ad_rerun', id], ...(followUp ? [[followUp[1]!, followUp[2]!]] : []), ['ad_rerun_later', id]] as [string, string][]) {
      const n = slack.thread(channel, card.ts).length;
      const c = await h.driver.click(card, actionId, value);
      await settled(actionId);
      await slack.waitFor(() => slack.thread(channel, card.ts).length > n || slack.responses.some((r) => c.responseUrl.endsWith(`/response/${r.id}`)) || null, 20_000, `${channel}: ${actionId} answered (${store.failed})`);
    }
  }
  // The form (/action-debug alone), submitted for the same endpoint in another channel: a card, the form's error, or an answer.
  const formChannel = `${channel}f`;
  const opened = await h.driver.command('', { channel: formChannel });
  const view = await slack.waitFor(() => slack.views.find((v) => v.view['callback_id'] === 'ad_diagnose_modal' && String(v.view['private_metadata']).includes(formChannel)), 10_000, `${channel}: the form`);
  const tSubmit = mark();
  const submitted = await h.driver.submitView({ id: view.id, callback_id: 'ad_diagnose_modal', private_metadata: String(view.view['private_metadata']) }, {
    session: { v: { value: 'ses_1' } }, action: { v: { value: 'Create refund' } }, endpoint: { v: { value: endpoint } },
    method: { v: { selected_option: { value: 'POST' } } }, spec: { v: { value: null } }, authorization: { v: { value: null } },
    burst: { v: { value: null } }, owner: { v: { selected_options: [] } },
  });
  assert.equal(submitted.status, 200, `${channel}: the form was answered (${store.failed})`);
  const formError = JSON.stringify((submitted.json as { errors?: unknown } | null)?.errors ?? '');
  await settled('the form');
  if (!/database/.test(formError) && !finalCard(slack, formChannel)) {
    await slack.waitFor(() => toldApart('U0ALICE', formChannel, [], tSubmit).length > 0 || null, 10_000, `${channel}: the form got no card and nothing said (${store.failed})`);
  }
}

/** Done, or a Re-run later waiting for its time (pending, due in the future: the promise kept, not work left behind). */
const finished = (r: { kind: string; state: string; due: number | null }) => r.state === 'done' || (r.kind === 'rerun-later' && r.state === 'pending' && (r.due ?? 0) > Date.now());
const rows = (store: SqliteStore) => store.db.prepare('SELECT kind, state, outcome, due_at AS due FROM work ORDER BY created_at, rowid').all() as { kind: string; state: string; outcome: string | null; due: number | null }[];

test('the database refusing any one call of a command, the clicks on its card and the form: nothing left running, the requester told, the next command runs', { timeout: 600_000 }, async () => {
  // How many calls the flow makes when nothing fails: the sweep covers each of them.
  let total = 0;
  const wrong: string[] = [];
  for (let k = 0; ; k++) {
    const store = new OneFault(join(mkdtempSync(join(tmpdir(), 'ad-faults-')), 'bot.db'));
    store.failAt = k === 0 ? Number.POSITIVE_INFINITY : k;
    const h = await startHarness({ lab, slack, deps: { store } });
    const channel = `CF${k}`;
    try {
      await flow(store, h, channel).catch((err: Error) => {
        wrong.push(`call ${k} (${store.failed}): ${err.message} [calls: ${store.calls.join(' ')}]`);
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
      // The database answers again: the same user's next command on the same endpoint runs.
      store.failAt = 0;
      const next = `${channel}n`;
      const again = await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel: next });
      assert.equal(again.status, 200);
      await slack.waitFor(() => finalCard(slack, next) ?? null, 20_000, `${what}: the next command's card`).catch(() => {
        assert.fail(`${what}: the next command got no card; it was told: ${toldApart('U0ALICE', next, [again.responseUrl], { messages: 0, responses: 0 }).join(' | ').slice(-300)}`);
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

/**
 * Escalate, with the database refusing one call in turn (the card's own calls come first and are not counted). What
 * must hold: the form is answered (an error under a field, or closed with the ticket filed); a ticket filed is announced
 * in the support channel exactly once; and the requester's next submit files it, once.
 */
test('the database refusing any one call of an escalation: the form answered, one ticket, announced once', { timeout: 300_000 }, async () => {
  let total = 0;
  const wrong: string[] = [];
  for (let k = 0; ; k++) {
    const store = new OneFault(join(mkdtempSync(join(tmpdir(), 'ad-faults-esc-')), 'bot.db'));
    const support = `CSUP${k}`;
    let send: ReturnType<typeof slackSenders> | null = null;
    const worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50, leaseMs: 200 });
    const h = await startHarness({ lab, slack, deps: { store, support: createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: support }), silentLogger) } });
    send = slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl })));
    worker.start();
    const channel = `CE${k}`;
    const tickets = () => (store.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n;
    const announced = () => slack.channel(support).filter((m) => !m.threadTs).length;
    try {
      await h.driver.command(`ses_1 "Create refund" ${h.url('server-error')} method=POST`, { channel });
      const card = await slack.waitFor(() => finalCard(slack, channel), 20_000, `${channel}: the card`);
      await slack.waitFor(() => rows(store).every(finished) || null, 20_000, `${channel}: the card's work ended`);
      const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
      // Counted from here: the escalation's calls only.
      store.calls = [];
      store.failAt = k === 0 ? Number.POSITIVE_INFINITY : k;
      const submit = async () => {
        const before = slack.views.length;
        await h.driver.click(card, 'ad_escalate', id);
        const modal = await slack.waitFor(() => slack.views.slice(before).find((v) => v.view['callback_id'] === 'ad_escalate_modal') ?? null, 10_000, `${channel}: the form (${store.failed})`);
        const r = await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
          expected: { v: { value: 'a refund' } }, impact: { v: { value: 'customers wait' } }, urgency: { v: { selected_option: { value: 'low' } } },
        });
        assert.equal(r.status, 200, `${channel}: the form was answered (${store.failed})`);
        return JSON.stringify((r.json as { errors?: unknown } | null)?.errors ?? '');
      };
      const first = await submit().catch((err: Error) => `failed: ${err.message}`);
      // A function: the outbox's calls come after the form's answer, and so may the one that fails.
      const what = () => `escalation call ${k} (${store.failed ?? 'none'})`;
      if (first.startsWith('failed:')) wrong.push(`${what()}: ${first}`);
      else if (/database/.test(first)) assert.equal(tickets(), 0, `${what()}: the form said it failed, yet a ticket was filed`);
      else await slack.waitFor(() => announced() >= 1 || null, 10_000, `${what()}: the ticket announced`);
      // The requester submits again (or would): one ticket in all, announced once.
      store.failAt = 0;
      if (tickets() === 0) assert.equal(await submit(), '""', `${what()}: the second submit failed`);
      await slack.waitFor(() => announced() >= 1 || null, 10_000, `${what()}: the ticket announced`);
      await new Promise((r) => setTimeout(r, 600)); // past the outbox's lease and polls: a second announcement would show
      assert.equal(tickets(), 1, `${what()}: one ticket`);
      assert.equal(announced(), 1, `${what()}: announced once`);
      // The sweep covers every call of the first case, the outbox's deliveries included.
      if (k === 0) total = store.calls.length;
    } catch (err) {
      wrong.push((err as Error).message);
    } finally {
      await worker.stop();
      await h.close();
      await store.close();
    }
    if (k > 0 && k >= total) break;
  }
  assert.ok(total >= 3, `the escalation goes through the store (${total} calls)`);
  assert.deepEqual(wrong, []);
});

/**
 * An audit (`/action-debug audit`: every action of the organisation diagnosed, one summary card), with the database
 * refusing one call in turn. What must hold: every work row ends, the requester gets the summary card or is told why
 * not, and the next audit runs to its summary.
 */
test('the database refusing any one call of an audit: nothing left running, the requester told, the next audit runs', { timeout: 300_000 }, async () => {
  const url = lab.scenarios.find((s) => s.id === 'server-error')!.url;
  const demo = demoDataset();
  const api = await startFakeOpenCx({ data: { ...demo, actions: (demo.actions as Action[]).slice(0, 3).map((a) => ({ ...a, api_endpoint: url })) } });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const summary = (channel: string) => slack.channel(channel).find((m) => /^action-debug audit: 3 actions, \d+ broken/.test(m.text));
  let total = 0;
  const wrong: string[] = [];
  try {
    for (let k = 0; ; k++) {
      const store = new OneFault(join(mkdtempSync(join(tmpdir(), 'ad-faults-audit-')), 'bot.db'));
      store.failAt = k === 0 ? Number.POSITIVE_INFINITY : k;
      const h = await startHarness({ lab, slack, deps: { store, services: { opencx: new OpenCxFacts(client) } } });
      const channel = `CA${k}`;
      const what = () => `audit call ${k} (${store.failed ?? 'none'})`;
      try {
        const since = mark();
        const ack = await h.driver.command('audit', { channel });
        assert.equal(ack.status, 200, `${what()}: answered`);
        await slack.waitFor(() => rows(store).every(finished) || null, 30_000, `${what()}: every work row ended`).catch(() => {
          assert.fail(`${what()}: rows left ${JSON.stringify(rows(store).filter((r) => !finished(r)))}`);
        });
        if (!summary(channel) && !/database/i.test(ack.body)) {
          await slack.waitFor(() => toldApart('U0ALICE', channel, [ack.responseUrl], since).length > 0 || null, 10_000, `${what()}: no summary and nothing said`);
        }
        if (k === 0) total = store.calls.length;
        store.failAt = 0;
        await h.driver.command('audit', { channel: `${channel}n` });
        await slack.waitFor(() => summary(`${channel}n`) ?? null, 30_000, `${what()}: the next audit's summary`);
      } catch (err) {
        wrong.push(`${(err as Error).message} [calls: ${store.calls.join(' ')}]`);
      } finally {
        await h.close();
        await store.close();
      }
      if (k > 0 && k >= total) break;
    }
  } finally {
    await client.close();
    await api.close();
  }
  assert.ok(total >= 3, `the audit goes through the store (${total} calls)`);
  assert.deepEqual(wrong, []);
});

/**
 * A watch (`/action-debug watch all`: stored, claimed on a timer, committed with the messages it posts), with the
 * database refusing the first call of one store method in turn, the watch store's and the outbox's included. The
 * calls a watch makes depend on how many ticks pass, so the sweep goes by method, not by position. What must hold:
 * the command is answered; a watch that was started posts its first report exactly once (a run whose commit failed is
 * run again when its claim lapses; a post whose mark failed is not sent again); every work row ends; and the watch is
 * listed afterwards.
 */
test('the database refusing the first call of any one store method a watch uses: answered, its first report posted once, nothing left running', { timeout: 300_000 }, async () => {
  const url = lab.scenarios.find((s) => s.id === 'server-error')!.url;
  const demo = demoDataset();
  const api = await startFakeOpenCx({ data: { ...demo, actions: (demo.actions as Action[]).slice(0, 1).map((a) => ({ ...a, api_endpoint: url })) } });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_REQUESTS_PER_MINUTE: '99', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const watch = WatchSettingsSchema.parse({ WATCH_MIN_INTERVAL_MINUTES: '0.005', WATCH_TICK_SECONDS: '0.2' });
  // Calls every tick makes whatever happens (their count follows the clock): never failed, as in the flows above.
  const periodic = new Set([...PERIODIC, 'active', 'activeWorkspaces', 'claimDue', 'dueNow', 'listActions']);
  const wrong: string[] = [];
  let methods: string[] = [];
  try {
    for (let k = 0; k === 0 || k <= methods.length; k++) {
      const store = new OneFault(join(mkdtempSync(join(tmpdir(), 'ad-faults-watch-')), 'bot.db'));
      // The watch store is an object of its own: its methods fail the same way, counted in the same list.
      const target = k === 0 ? null : methods[k - 1]!;
      store.failAt = Number.POSITIVE_INFINITY;
      const counted: string[] = [];
      const fail = (name: string) => {
        counted.push(name);
        if (name === target && !store.failed) {
          store.failed = name;
          throw new StoreError(`${name} failed: the database is busy (another process holds it). Nothing was half-written.`, 'SQLITE_BUSY');
        }
      };
      for (const [obj, proto] of [[store, SqliteStore.prototype], [store.watches, Object.getPrototypeOf(store.watches)]] as unknown as [Record<string, (...a: unknown[]) => Promise<unknown>>, Record<string, unknown>][]) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          const orig = (obj[name] ?? proto[name]) as unknown;
          if (name === 'constructor' || name === 'close' || typeof orig !== 'function' || periodic.has(name)) continue;
          obj[name] = async (...args: unknown[]) => {
            fail(name);
            return (orig as (...a: unknown[]) => unknown).apply(obj, args);
          };
        }
      }
      let send: ReturnType<typeof slackSenders> | null = null;
      const worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50, leaseMs: 300 });
      const h = await startHarness({ lab, slack, deps: { store, services: { opencx: new OpenCxFacts(client) }, outbox: worker, watch, watchLeaseMs: 1500 } });
      send = slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl })));
      worker.start();
      const channel = `CW${k}`;
      const what = () => `watch, ${target ?? 'no'} failing (${store.failed ?? 'not reached'})`;
      const posts = () => slack.channel(channel).filter((m) => !m.threadTs && !m.ephemeralTo).length;
      try {
        const ack = await h.driver.command('watch all every=1s', { channel });
        assert.equal(ack.status, 200, `${what()}: answered`);
        const said = `${String(ack.json?.['text'] ?? '')} ${ack.body}`;
        const started = /Watching every action/.test(said);
        if (!started) {
          assert.match(said, /database/i, `${what()}: the command said neither "watching" nor why not: ${said.slice(0, 200)}`);
          await h.driver.command('watch all every=1s', { channel });
        }
        // The first report, once: the next runs find the same verdict and post nothing.
        await slack.waitFor(() => posts() >= 1 || null, 20_000, `${what()}: the first report`);
        await new Promise((r) => setTimeout(r, 2500)); // more runs, past the run lease and the outbox's
        assert.equal(posts(), 1, `${what()}: the first report posted once`);
        await slack.waitFor(() => rows(store).every((r) => r.state === 'done' || r.state === 'running') || null, 10_000, `${what()}: rows`);
        const list = await h.driver.command('watch list', { channel });
        assert.match(String(list.json?.['text']), /\*all actions\* in <#CW\d+>/, `${what()}: listed`);
        if (k === 0) methods = [...new Set(counted)];
      } catch (err) {
        wrong.push(`${(err as Error).message} [calls: ${[...new Set(counted)].join(' ')}]`);
      } finally {
        await h.close();
        await worker.stop();
        // Every run's work row ends once the app stops (a run in flight ends with it).
        const left = rows(store).filter((r) => r.state !== 'done');
        if (left.length && !wrong.some((w) => w.startsWith(what()))) wrong.push(`${what()}: rows left ${JSON.stringify(left)}`);
        await store.close();
      }
    }
  } finally {
    await client.close();
    await api.close();
  }
  assert.ok(methods.includes('commitRun') && methods.includes('create'), `the watch goes through the store (${methods.join(', ')})`);
  assert.deepEqual(wrong, []);
});
