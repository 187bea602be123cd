import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { labAccount } from '../../src/fakes/opencx/account.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { PgStore } from '../../src/store/pg-store.js';
import type { Store } from '../../src/store/store.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { WatchSettingsSchema } from '../../src/watch/settings.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import type { Action } from '../../src/opencx/schemas.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

// The hosts the watched actions live on: a public API that answers, and one behind a WAF that blocks OpenCX's headers.
const SCENARIOS = ['cors-wildcard', 'waf-opencx-headers', 'healthy', 'ip-allowlist-403', 'server-error', 'redirect', 'html-response', 'method-not-allowed', 'tls-expired', 'tls-self-signed', 'dns-nxdomain', 'firewall-refused', 'rate-limited', 'waf-user-agent'];
const WATCH = WatchSettingsSchema.parse({ WATCH_MIN_INTERVAL_MINUTES: '0.005', WATCH_TICK_SECONDS: '0.3', WATCH_MAX_PER_WORKSPACE: '3' });

let lab: Lab;
let slack: FakeSlack;
let cluster: PgCluster | null = null;
let skipPg: string | false = false;
before(async () => {
  lab = await startLab({ only: SCENARIOS });
  slack = await startFakeSlack();
  const c = await startPgCluster();
  if ('skip' in c) {
    skipPg = `PostgreSQL: ${c.skip}`;
    process.stdout.write(`# skipping watches on PostgreSQL: ${c.skip}\n`);
  } else cluster = c;
});
after(async () => {
  await slack?.close();
  await lab?.close();
  await cluster?.stop();
});

interface App {
  h: Harness;
  store: Store;
  worker: OutboxWorker;
  client: OpenCxClient;
  close(): Promise<void>;
}

/** The app as `npm start` wires it for watches: a database (a SQLite file, or a postgres:// URL), the outbox worker, the OpenCX key. */
async function startApp(api: FakeOpenCx, db: string, leaseMs = 20_000): Promise<App> {
  const store: Store = db.startsWith('postgres://') ? await PgStore.open(db) : new SqliteStore(db);
  let send: ReturnType<typeof slackSenders> | null = null;
  const worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_REQUESTS_PER_MINUTE: '99', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const h = await startHarness({ lab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store, outbox: worker, watch: WATCH, watchLeaseMs: leaseMs } });
  send = slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl })));
  worker.start();
  return {
    h, store, worker, client,
    async close() {
      await h.close();
      await worker.stop();
      await client.close();
      await store.close();
    },
  };
}

function account(names: string[]): Action[] {
  return labAccount(lab).map((a) => a.action).filter((a) => names.includes(a.name));
}
const origin = (id: string) => new URL(lab.scenarios.find((s) => s.id === id)!.url).origin;
const texts = (channel: string) => slack.channel(channel).map((m) => blocksToText(m.blocks));
const watchRuns = (store: Store) => ((store as SqliteStore).db.prepare(`SELECT count(*) AS n FROM diagnoses WHERE kind = 'watch'`).get() as { n: number }).n;
const bump = (a: Action, minutes: number) => (a['updated_at'] = new Date(Date.parse('2026-11-25T10:00:00Z') + minutes * 60_000).toISOString());
const dbFile = () => join(mkdtempSync(join(tmpdir(), 'ad-watch-')), 'bot.db');

test('watch one action: a baseline, then a post only when the verdict changes (broken since, fixed since) with the diff; nothing when nothing changed', async () => {
  const api = await startFakeOpenCx({ data: { ...demoDataset(), actions: account(['Get product', 'Gift card balance']) } });
  const app = await startApp(api, dbFile());
  const ch = 'CWATCH1';
  try {
    const ack = await app.h.driver.command('watch "Get product" every=1s', { channel: ch });
    assert.match(String(ack.json?.['text']), /Watching `Get product` every 1 s/);
    await slack.waitFor(() => texts(ch).find((t) => /Get product.*no problem found/.test(t)), 20_000, 'the baseline');
    // Several runs with nothing changed: nothing more is posted.
    const base = watchRuns(app.store);
    await slack.waitFor(() => watchRuns(app.store) >= base + 3, 20_000, 'three more runs');
    assert.equal(slack.channel(ch).length, 1);

    // The action is pointed at a host behind a WAF (updated_at moves): one "broken since" with the diff.
    const a = api.data.actions.find((x) => x['name'] === 'Get product') as Action;
    a.api_endpoint = `${origin('waf-opencx-headers')}/products/{sku}`;
    bump(a, 1);
    const broken = await slack.waitFor(() => texts(ch).find((t) => /Get product\* broken since|Get product broken since/.test(t)), 20_000, 'the broken post');
    assert.match(broken, /waf-blocks-opencx-headers/);
    assert.match(broken, /Fix:/);
    assert.match(broken, /broken: now/);
    const afterBroken = watchRuns(app.store);
    await slack.waitFor(() => watchRuns(app.store) >= afterBroken + 3, 20_000, 'three more runs');
    assert.equal(texts(ch).filter((t) => /broken since/.test(t)).length, 1, 'the transition is posted once');

    a.api_endpoint = `${origin('cors-wildcard')}/products/{sku}`;
    bump(a, 2);
    const fixed = await slack.waitFor(() => texts(ch).find((t) => /fixed since/.test(t)), 20_000, 'the fixed post');
    assert.match(fixed, /was: /);
    assert.equal(slack.channel(ch).length, 3);

    const list = await app.h.driver.command('watch list', { channel: ch });
    assert.match(String(list.json?.['text']), /`Get product` in <#CWATCH1> every 1 s/);
    const stop = await app.h.driver.command('watch stop "Get product"', { channel: ch });
    assert.match(String(stop.json?.['text']), /Stopped watching `Get product`/);
    // An action name is shown as typed (a code span, no look-alikes), so it can be copied back into `watch stop`.
    const none = await app.h.driver.command('watch stop "__Host_internal_lookup*"', { channel: ch });
    assert.match(String(none.json?.['text']), /No watch on `__Host_internal_lookup\*` in this channel/);
    // A run already going when the watch stopped may still finish its diagnosis; after it, nothing runs or posts.
    await new Promise((r) => setTimeout(r, 1500));
    const stoppedAt = watchRuns(app.store);
    const postsAt = slack.channel(ch).length;
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(watchRuns(app.store), stoppedAt, 'a stopped watch does not run again');
    assert.equal(slack.channel(ch).length, postsAt);
    // Every run is stored: history shows the transitions for the watched action.
    const hist = await app.h.driver.command('history "Get product"', { channel: ch });
    assert.match(String(hist.json?.['text']), /broken since/);
    assert.match(String(hist.json?.['text']), /fixed since/);
  } finally {
    await app.close();
    await api.close();
  }
});

test('a watched action that disappears says so once and stops; limits on the number of watches and the interval', async () => {
  const api = await startFakeOpenCx({ data: { ...demoDataset(), actions: account(['Get product', 'Gift card balance', 'Book delivery slot']) } });
  const app = await startApp(api, dbFile());
  const ch = 'CWATCH2';
  try {
    const tooOften = await app.h.driver.command('watch "Get product" every=0.1s', { channel: ch });
    assert.match(String(tooOften.json?.['text']), /more often than this workspace allows/);

    await app.h.driver.command('watch "Gift card balance" every=1s', { channel: ch });
    await slack.waitFor(() => texts(ch).find((t) => /Gift card balance.*no problem found/.test(t)), 20_000, 'the baseline');
    api.data.actions = api.data.actions.filter((x) => x['name'] !== 'Gift card balance');
    const gone = await slack.waitFor(() => texts(ch).find((t) => /no longer in OpenCX/.test(t)), 20_000, 'the vanished post');
    assert.match(gone, /This watch stopped/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(texts(ch).filter((t) => /no longer in OpenCX/.test(t)).length, 1);
    assert.doesNotMatch(String((await app.h.driver.command('watch list', { channel: ch })).json?.['text']), /Gift card balance/);

    // "watch all": a baseline with the counts (not one line per action), then only changes.
    await app.h.driver.command('watch all every=1h', { channel: ch });
    await slack.waitFor(() => texts(ch).find((t) => /Now: 2 actions, 1 broken/.test(t)), 20_000, 'the watch-all baseline');
    await app.h.driver.command('watch "Get product" every=1h', { channel: ch });
    await app.h.driver.command('watch "Book delivery slot" every=1h', { channel: ch });
    const fourth = await app.h.driver.command('watch "Warranty claim" every=1h', { channel: ch });
    assert.match(String(fourth.json?.['text']), /already has 3 watches, the limit/);
    const again = await app.h.driver.command('watch "get product"', { channel: ch });
    assert.match(String(again.json?.['text']), /already watches `get product`/i);
  } finally {
    await app.close();
    await api.close();
  }
});

for (const engine of ['sqlite', 'postgres'] as const) test(`restart and a crash mid-run lose and double nothing, with two processes on one database (${engine})`, { skip: engine === 'postgres' ? skipPg : false }, async () => {
  const api = await startFakeOpenCx({ data: { ...demoDataset(), actions: account(['Get product']) } });
  const path = engine === 'sqlite' ? dbFile() : await cluster!.createDatabase(`watch_${process.pid}`);
  const ch = `CWATCH3${engine}`;
  const first = await startApp(api, path);
  try {
    await first.h.driver.command('watch "Get product" every=1h', { channel: ch });
    await slack.waitFor(() => texts(ch).find((t) => /Get product.*no problem found/.test(t)), 20_000, 'the baseline');
  } finally {
    await first.close();
  }
  // While the app is down the action breaks; a process then claims the due run and dies before committing it.
  const a = api.data.actions[0] as Action;
  a.api_endpoint = `${origin('waf-opencx-headers')}/products/{sku}`;
  bump(a, 5);
  const crashed: Store = engine === 'sqlite' ? new SqliteStore(path) : await PgStore.open(path);
  const ws = crashed.watches;
  const [w] = await ws.active('T0FAKE');
  assert.ok(w && (await ws.dueNow(w.id, Date.now())));
  const claimed = await ws.claimDue(Date.now(), 5, 1500);
  assert.equal(claimed.length, 1, 'the doomed process holds the run');
  await crashed.close();

  // Two processes start on the same database: the run happens once its lease is over, and is posted once.
  const [b, c] = await Promise.all([startApp(api, path), startApp(api, path)]);
  try {
    const broken = await slack.waitFor(() => texts(ch).find((t) => /broken since/.test(t)), 30_000, 'the broken post after the restart');
    assert.match(broken, /waf-blocks-opencx-headers/);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(texts(ch).filter((t) => /broken since/.test(t)).length, 1, 'posted once');
    assert.equal(texts(ch).filter((t) => /no problem found/.test(t)).length, 1, 'the baseline was not posted again');
    assert.equal(slack.channel(ch).length, 2);
  } finally {
    await b.close();
    await c.close();
    await api.close();
  }
});
