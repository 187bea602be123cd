import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import bolt from '@slack/bolt';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { until } from '../helpers/until.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders, webhookSender } from '../../src/outbox/senders.js';
import { startFakeSlack } from '../../src/fakes/slack/index.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

async function receiver(statusFor: (n: number) => number) {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.writeHead(statusFor(bodies.length)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function runChild(args: string[]): Promise<{ child: ReturnType<typeof spawn>; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/fixtures/commit-then-hang.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, line: out.trim() });
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

test('SIGKILL between committing a ticket and posting it: after restart each message goes out once', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-crash-')), 'bot.db');
  const hook = await receiver(() => 200);
  const slack = await startFakeSlack();
  try {
    const { child, line } = await runChild([db, hook.url, 'k1']);
    assert.equal(line, 'committed 1 true');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal(hook.bodies.length, 0, 'nothing was sent before the crash');

    // The restarted bot: its worker finds the committed messages and delivers them.
    const store = new SqliteStore(db);
    const client = new bolt.webApi.WebClient('xoxb-test', slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const worker = new OutboxWorker({ store, senders: { ...slackSenders(client), webhook: webhookSender }, baseDelayMs: 10 });
    await worker.kick();
    await worker.kick();
    await worker.stop();
    assert.equal(hook.bodies.length, 1);
    assert.equal((hook.bodies[0] as { number: number }).number, 1);
    assert.equal(slack.channel('CSUPPORT').length, 1);
    assert.equal(await store.pendingCount(), 0);
    await store.close();
  } finally {
    await hook.close();
    await slack.close();
  }
});

test('Slack answering 500 for a while: the ticket is posted once it recovers, with bounded backoff', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-500-')), 'bot.db');
  const slack = await startFakeSlack();
  const hook = await receiver((n) => (n <= 2 ? 503 : 200));
  slack.fail('chat.postMessage', { status: 500, times: 3 });
  const store = new SqliteStore(db);
  try {
    await store.saveDiagnosis({ id: 'd', cardId: 'c', createdAt: new Date().toISOString(), requester: 'U', workspace: null, channel: null, threadTs: null, kind: 'cli', report: JSON.parse(JSON.stringify({ schemaVersion: 2, tool: 'action-debug', id: 'd', startedAt: '', durationMs: 1, input: { endpoint: 'https://x.test/', method: 'GET', action: 'a', session: null, headers: {}, spec: null, timeoutMs: 1 }, verdict: { family: null, familyTitle: null, cause: 'none', title: 't', fix: 'f', alsoFound: [], next: null }, findings: [], probes: [], checked: [] })) });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'ticket:9:support', payload: { channel: 'CSUP', text: 'ticket #9' } });
    await store.enqueue({ kind: 'webhook', dedupeKey: 'ticket:9:webhook', payload: { url: hook.url, body: { number: 9 } } });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'ticket:9:support', payload: { channel: 'CSUP', text: 'duplicate key: ignored' } });
    const client = new bolt.webApi.WebClient('xoxb-test', slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const worker = new OutboxWorker({ store, senders: { ...slackSenders(client), webhook: webhookSender }, baseDelayMs: 20, maxDelayMs: 100, pollMs: 20 });
    worker.start();
    await until(async () => (await store.pendingCount()) === 0, 10_000, 'the outbox to drain');
    await worker.stop();
    assert.equal(slack.channel('CSUP').length, 1, 'posted once');
    assert.equal(slack.calls.filter((c) => c.method === 'chat.postMessage').length, 4, '3 failures then success');
    assert.equal(hook.bodies.length, 3, 'two 503s then delivered');
    const row = store.db.prepare("SELECT attempts, last_error FROM outbox WHERE dedupe_key = 'ticket:9:support'").get() as { attempts: number; last_error: string | null };
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, null);
  } finally {
    await store.close();
    await slack.close();
    await hook.close();
  }
});

test("Slack's 429: the post is tried again after its Retry-After, not on the doubling backoff", async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-429-')), 'bot.db');
  const slack = await startFakeSlack();
  slack.fail('chat.postMessage', { status: 429, retryAfter: 1, times: 4 });
  const store = new SqliteStore(db);
  try {
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'ticket:7:support', payload: { channel: 'CSUP', text: 'ticket #7' } });
    const client = new bolt.webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    // A backoff that would take minutes after four refusals (60 s doubling): only Retry-After brings it in time.
    const worker = new OutboxWorker({ store, senders: slackSenders(client), baseDelayMs: 60_000, pollMs: 50 });
    worker.start();
    await until(async () => (await store.pendingCount()) === 0, 20_000, 'the outbox to drain');
    await worker.stop();
    assert.equal(slack.channel('CSUP').length, 1, 'posted once');
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.at);
    assert.equal(posts.length, 5, 'four 429s then the post');
    for (let i = 1; i < posts.length; i++) assert.ok(posts[i]! - posts[i - 1]! >= 950, `attempt ${i + 1} came before Retry-After (${posts[i]! - posts[i - 1]!} ms)`);
  } finally {
    await store.close();
    await slack.close();
  }
});

test('two processes escalating the same card at once make one ticket', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-race-')), 'bot.db');
  await new SqliteStore(db).close();
  const hook = await receiver(() => 200);
  try {
    const [a, b] = await Promise.all([runChild([db, hook.url, 'same']), runChild([db, hook.url, 'same'])]);
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
    const lines = [a.line, b.line].sort();
    assert.deepEqual(lines, ['committed 1 false', 'committed 1 true']);
    const s = new SqliteStore(db);
    assert.equal((s.db.prepare('SELECT count(*) n FROM tickets').get() as { n: number }).n, 1);
    assert.equal(await s.pendingCount(), 2);
    await s.close();
  } finally {
    await hook.close();
  }
});

test('sent, but the database refuses to mark it sent for a while: marked once it answers, never sent twice', async () => {
  // The driver's own error while `refusals` last; the sender counts what reached the other side.
  class MarkRefused extends SqliteStore {
    refusals = 3;
    override async markSent(id: number): Promise<void> {
      if (this.refusals-- > 0) throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
      return super.markSent(id);
    }
  }
  const store = new MarkRefused(join(mkdtempSync(join(tmpdir(), 'ad-mark-')), 'bot.db'));
  const sent: unknown[] = [];
  // A short lease: the row is due again long before the test ends, so a worker that forgot it sent it would resend it.
  const worker = new OutboxWorker({ store, senders: { webhook: async (p) => void sent.push(p) }, baseDelayMs: 10, pollMs: 30, leaseMs: 60 });
  try {
    await store.enqueue({ kind: 'webhook', dedupeKey: 'ticket:1:webhook', payload: { n: 1 } });
    worker.start();
    const unsent = () => (store.db.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL').get() as { n: number }).n;
    await until(async () => unsent() === 0, 5000, 'marked sent once the database answered');
    await new Promise((r) => setTimeout(r, 300)); // several leases and polls later
    assert.equal(sent.length, 1, 'sent once');
    assert.equal(store.refusals, -1, 'it was marked after the refusals, not before');
  } finally {
    await worker.stop();
    await store.close();
  }
});

test('errors Slack documents as permanent end the message (dead, logged, a short notice where someone waits); transient ones are retried', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-dead-')), 'bot.db');
  const slack = await startFakeSlack({ rateLimits: false });
  const store = new SqliteStore(db);
  const logged: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = { info() {}, warn() {}, debug() {}, error: (obj: Record<string, unknown>, msg: string) => void logged.push({ obj, msg }), child() { return logger; } } as never;
  try {
    const card = await (await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'CW', text: 'card' }) })).json() as { ts: string };
    slack.setConversation('CGONE', { archived: true });
    // A payload error (each code as Slack answers it), a place error, and a transient one (HTTP 500 twice).
    for (const code of ['invalid_blocks', 'msg_blocks_too_long', 'invalid_arguments']) slack.fail('chat.postMessage', { error: code, match: (a) => a['text'] === `watch ${code}` });
    slack.fail('chat.update', { error: 'msg_too_long', match: (a) => a['ts'] === card.ts });
    slack.fail('chat.postMessage', { status: 500, times: 2, match: (a) => a['text'] === 'transient' });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'watch:1:a:0', payload: { channel: 'CW', text: 'watch invalid_blocks' } });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'watch:1:b:0', payload: { channel: 'CW', text: 'watch msg_blocks_too_long' } });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'watch:1:c:0', payload: { channel: 'CW', thread_ts: card.ts, text: 'watch invalid_arguments' } });
    await store.enqueue({ kind: 'slack.update', dedupeKey: 'ticket:1:card', payload: { channel: 'CW', ts: card.ts, text: 'the card, escalated' } });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'watch:2:a:0', payload: { channel: 'CGONE', text: 'to an archived channel' } });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'ticket:2:support', payload: { channel: 'CW', text: 'transient' } });
    const client = new bolt.webApi.WebClient('xoxb-test', slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const worker = new OutboxWorker({ store, senders: slackSenders(client), baseDelayMs: 20, maxDelayMs: 100, pollMs: 20, logger });
    worker.start();
    await until(async () => (await store.pendingCount()) === 0, 10_000, 'the outbox to settle');
    await worker.stop();
    const rows = store.db.prepare('SELECT dedupe_key k, attempts, sent_at, dead_at, last_error FROM outbox ORDER BY id').all() as { k: string; attempts: number; sent_at: string | null; dead_at: string | null; last_error: string | null }[];
    const by = Object.fromEntries(rows.map((r) => [r.k, r]));
    for (const k of ['watch:1:a:0', 'watch:1:b:0', 'watch:1:c:0', 'ticket:1:card', 'watch:2:a:0']) {
      assert.ok(by[k]!.dead_at, `${k} is dead`);
      assert.equal(by[k]!.attempts, 1, `${k} was tried once, never again`);
      assert.equal(by[k]!.sent_at, null);
    }
    assert.match(by['watch:1:b:0']!.last_error!, /the payload: msg_blocks_too_long/);
    assert.match(by['watch:2:a:0']!.last_error!, /the place or the token: is_archived/);
    assert.ok(by['ticket:2:support']!.sent_at && !by['ticket:2:support']!.dead_at, 'the transient failure was retried until sent');
    assert.equal(by['ticket:2:support']!.attempts, 2);
    // Where someone waits, a short notice that says what was refused (its fallback line), in the thread when there is one.
    const notices = slack.messages.filter((m) => /could not post a message here/.test(m.text));
    assert.equal(notices.length, 4, notices.map((m) => m.text).join('\n'));
    assert.ok(notices.some((m) => /msg_blocks_too_long/.test(m.text) && /watch msg_blocks_too_long/.test(m.text) && m.channel === 'CW' && !m.threadTs));
    assert.ok(notices.some((m) => /invalid_arguments/.test(m.text) && m.threadTs === card.ts));
    assert.ok(notices.some((m) => /msg_too_long/.test(m.text) && m.threadTs === card.ts), 'a refused card update: the notice in its thread');
    assert.ok(!notices.some((m) => m.channel === 'CGONE'), 'nothing more is tried in an archived channel');
    assert.equal(logged.filter((l) => /outbox message dead/.test(l.msg)).length, 5);
    assert.deepEqual(slack.refused.filter((r) => r.error !== 'invalid_blocks' && r.error !== 'invalid_arguments' && r.error !== 'msg_blocks_too_long' && r.error !== 'msg_too_long'), []);
  } finally {
    await store.close();
    await slack.close();
  }
});

test('a failure that is never permanent is still given up after maxAttempts (nothing is retried for ever)', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'ad-cap-')), 'bot.db');
  const slack = await startFakeSlack({ rateLimits: false });
  const store = new SqliteStore(db);
  try {
    slack.fail('chat.postMessage', { status: 503, times: 100 });
    await store.enqueue({ kind: 'slack.post', dedupeKey: 'k', payload: { channel: 'CW', text: 'x' } });
    const client = new bolt.webApi.WebClient('xoxb-test', slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const worker = new OutboxWorker({ store, senders: slackSenders(client), baseDelayMs: 5, maxDelayMs: 10, pollMs: 10, maxAttempts: 4 });
    worker.start();
    await until(async () => (await store.pendingCount()) === 0, 10_000, 'the message to be given up');
    await worker.stop();
    const row = store.db.prepare('SELECT attempts, dead_at, last_error FROM outbox').get() as { attempts: number; dead_at: string | null; last_error: string };
    assert.equal(row.attempts, 4);
    assert.ok(row.dead_at);
    assert.match(row.last_error, /gave up after 4 attempts/);
  } finally {
    await store.close();
    await slack.close();
  }
});
