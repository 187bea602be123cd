/**
 * Real Slack accepts every message we send, whatever the outside world puts in it: generated cases of real reports
 * (the whole pipeline against the lab) with long endpoint URLs, many headers, many findings, long names and astral
 * characters, and of watch and audit messages with many long actions, sent as the app sends them (the same Web API
 * clients, the outbox worker, the real Bolt app) to the fake Slack, which holds Slack's whole-message budget. Every
 * message is accepted (fake.refused is empty) and nothing the user needs is lost (the continuation posts carry the
 * rest). The same cases without the send boundary are refused: the test shows the fix failing without it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack } from '../../src/fakes/slack/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { diagnose } from '../../src/registry.js';
import type { Report } from '../../src/pipeline/report.js';
import { detailsMessage, runningCard, threadResultMessage, verdictCard, type CardContext, type SlackMessage } from '../../src/render/blocks.js';
import { watchMessages } from '../../src/render/watch-blocks.js';
import { auditCard, auditThreadMessages } from '../../src/render/audit-blocks.js';
import { summarize } from '../../src/audit/summary.js';
import type { AuditAction } from '../../src/audit/schema.js';
import type { Seen, Transition } from '../../src/watch/state.js';
import { blockTextLength, MESSAGE_BUDGET, splitMessage } from '../../src/render/slack-budget.js';
import { mrkdwnEscape } from '../../src/render/slack-limits.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { until } from '../helpers/until.js';
import { startHarness } from '../helpers/slack-harness.js';
import { startFakeOpenCx, demoDataset } from '../../src/fakes/opencx/server.js';
import { ACCOUNT_SCENARIOS, labAccount } from '../../src/fakes/opencx/account.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { WatchSettingsSchema } from '../../src/watch/settings.js';

type WebClient = InstanceType<typeof bolt.webApi.WebClient>;
const TOKEN = 'xoxb-budget-test';

let lab: Lab;
before(async () => {
  lab = await startLab({ only: ['auth-bearer-missing', 'healthy', 'waf-opencx-headers'] });
});
after(async () => lab?.close());

const ASTRAL = ['🧪', '𝔘', '🇫🇷', '👩🏽‍💻', '𓀀'];

/** A string of about n characters of outside text: letters, entities-to-be (&<>), astral characters. */
function outside(rand: () => number, n: number): string {
  let s = '';
  while (s.length < n) {
    const r = rand();
    s += r < 0.1 ? ASTRAL[Math.floor(rand() * ASTRAL.length)]! : r < 0.15 ? '&<>'[Math.floor(rand() * 3)]! : String.fromCharCode(97 + Math.floor(rand() * 26));
  }
  return s;
}

/** A real report of a lab endpoint whose URL carries `extra` characters of query, with `headers` extra headers. */
async function realReport(rand: () => number, scenario: string, extra: number, headers: number): Promise<Report> {
  const s = lab.scenarios.find((x) => x.id === scenario)!;
  const q = extra ? `${s.url.includes('?') ? '&' : '?'}q=${encodeURIComponent(outside(rand, extra)).slice(0, extra)}` : '';
  const input = parseDiagnosisInput({
    endpoint: s.url + q, method: s.method,
    headers: [...s.headers, ...Array.from({ length: headers }, (_, i) => `X-Extra-${i}-${'h'.repeat(20)}: ${'v'.repeat(40)}`)].map(parseHeaderArg),
    action: `Look up order ${outside(rand, 60)}`, session: 'ses_budget',
  });
  return diagnose(input, { net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts } });
}

/** A report with many findings (copies of the real ones, each its own id and an astral title): "many findings". */
function manyFindings(rand: () => number, r: Report, n: number): Report {
  const base = r.findings.length ? r.findings : [{ id: 'x', severity: 'warning', title: 't', fix: 'f', evidence: ['e'] } as unknown as Report['findings'][number]];
  return { ...r, findings: Array.from({ length: n }, (_, i) => ({ ...base[i % base.length]!, id: `${base[i % base.length]!.id}-${i}`, title: `${outside(rand, 80)} ${i}`, evidence: Array.from({ length: 8 }, () => outside(rand, 200)) })) };
}

function ctx(r: Report): CardContext {
  return { cardId: 'card-1', action: r.input.action, session: r.input.session, endpoint: r.input.endpoint, method: r.input.method, requestedBy: 'U0ALICE' };
}

/** The sequence the app sends for one diagnosis: the running card, the verdict on it, the details and a re-run in its thread. */
async function sendDiagnosis(client: WebClient, channel: string, r: Report): Promise<{ ts: string; details: SlackMessage } | { error: string }> {
  try {
    const c = ctx(r);
    const probes = r.probes.map((p) => ({ id: p.id, title: p.title }));
    const card = await client.chat.postMessage({ channel, ...runningCard(c, probes, new Map()) });
    const ts = String(card.ts);
    await client.chat.update({ channel, ts, ...runningCard(c, probes, new Map(r.probes.map((p) => [p.id, p]))) });
    await client.chat.update({ channel, ts, ...verdictCard(c, r) });
    const details = detailsMessage(r);
    await client.chat.postMessage({ channel, thread_ts: ts, ...details });
    await client.chat.postMessage({ channel, thread_ts: ts, ...threadResultMessage(`Re-run ${outside(() => 0.5, 20)}`, r, r.findings.map((f) => f.title)) });
    return { ts, details };
  } catch (err) {
    return { error: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message };
  }
}

/** Every block of what was meant is shown, in order, in what Slack holds (the continuation notes aside). */
function assertNothingLost(meant: SlackMessage, shown: { blocks: unknown[] }[], what: string): void {
  // The boundary sends every mrkdwn object verbatim (send-boundary.ts `literal`): that is the only change it makes.
  const got = shown.flatMap((m) => m.blocks).filter((b) => !/"_(?:\(continued|Continued)/.test(JSON.stringify(b))).map((b) => JSON.stringify(b).replaceAll(',"verbatim":true}', '}'));
  assert.deepEqual(got, meant.blocks.map((b) => JSON.stringify(b)), `${what}: the blocks shown are the blocks meant`);
}

test('generated reports (URLs up to 3,000 characters, many headers, many findings, astral names): every message accepted, nothing lost; without the boundary Slack refuses them', async () => {
  const rand = seededRandom(20261126);
  const cases: { name: string; report: Report }[] = [];
  for (const [scenario, extra, headers] of [['auth-bearer-missing', 0, 0], ['auth-bearer-missing', 700, 12], ['healthy', 900, 25], ['waf-opencx-headers', 3000, 8]] as const) {
    const report = await realReport(rand, scenario, extra, headers);
    cases.push({ name: `${scenario} url+${extra} headers+${headers}`, report });
    if (extra === 700) cases.push({ name: `${scenario} url+${extra} with 60 findings`, report: manyFindings(rand, report, 60) });
  }
  const slack = await startFakeSlack({ rateLimits: false });
  try {
    const bounded = new bolt.webApi.WebClient(TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const raw = new bolt.webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    let over = 0;
    for (const [i, c] of cases.entries()) {
      const meant = detailsMessage(c.report);
      if (blockTextLength(meant.blocks) > MESSAGE_BUDGET.blockText || meant.blocks.length > 50) over++;
      const sent = await sendDiagnosis(bounded, `CB${i}`, c.report);
      assert.ok('ts' in sent, `${c.name}: ${'error' in sent ? sent.error : ''}`);
      const thread = slack.thread(`CB${i}`, sent.ts);
      // The details are the thread's first message(s): the head, then its continuations, before the re-run's answer.
      const parts = splitMessage(meant, 'below').length;
      assertNothingLost(meant, thread.slice(0, parts), c.name);
      if (parts > 1) assert.match(JSON.stringify(thread[0]!.blocks), /Continued below \(part 1 of \d+\)/, `${c.name}: the head says it continues`);
      for (const m of slack.channel(`CB${i}`).concat(thread)) assert.ok(m.text.length <= MESSAGE_BUDGET.fallbackText);
    }
    assert.deepEqual(slack.refused, [], 'every message accepted');
    assert.ok(over >= 3, `the cases must reach past Slack's budget (${over} did)`);
    // The same cases without the send boundary: Slack refuses the long ones (this is the bug the boundary fixes).
    const refusedRaw: string[] = [];
    for (const [i, c] of cases.entries()) {
      const sent = await sendDiagnosis(raw, `CR${i}`, c.report);
      if ('error' in sent) refusedRaw.push(`${c.name}: ${sent.error}`);
    }
    assert.ok(refusedRaw.some((e) => /msg_blocks_too_long/.test(e)), `without the boundary: ${refusedRaw.join('; ') || 'nothing refused'}`);
    assert.ok(slack.refused.length > 0);
  } finally {
    await slack.close();
  }
});

function seen(rand: () => number, i: number, status: Seen['status']): Seen {
  return { name: `${outside(rand, 40 + Math.floor(rand() * 80))} #${i}`, status, family: status === 'broken' ? 3 : null, cause: status === 'broken' ? 'waf-blocks-opencx' : 'none', title: outside(rand, 120), fix: outside(rand, 300), since: new Date(Date.UTC(2026, 10, 26, 6, i)).toISOString(), updatedAt: null, diagnosisId: null };
}

test('watch messages with many long actions (30 to 90 transitions) and audit threads: chunked by text, every one accepted through the outbox, every action shown', async () => {
  const rand = seededRandom(7);
  const slack = await startFakeSlack({ rateLimits: false });
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-budget-')), 'bot.db'));
  try {
    const client = new bolt.webApi.WebClient(TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl }));
    const names: string[] = [];
    for (const n of [30, 45, 90]) {
      const transitions: Transition[] = Array.from({ length: n }, (_, i) => {
        const before = seen(rand, i, 'ok');
        const after = { ...seen(rand, i, 'broken'), name: before.name };
        names.push(after.name);
        return { kind: 'broken', id: `a${n}-${i}`, before, after } as Transition;
      });
      const changes = new Map(transitions.map((t) => [t.id, Array.from({ length: 6 }, () => outside(rand, 100))]));
      const msgs = watchMessages(`:eyes: Watching *all* actions every 15 min`, transitions, changes, null);
      for (const m of msgs) assert.ok(blockTextLength(m.blocks) <= MESSAGE_BUDGET.blockText && m.blocks.length <= 50, 'each watch message fits by itself');
      for (const [i, m] of msgs.entries()) await store.enqueue({ kind: 'slack.post', dedupeKey: `watch:${n}:${i}`, payload: { channel: 'CWATCH', text: m.text, blocks: m.blocks } });
    }
    const worker = new OutboxWorker({ store, senders: slackSenders(client), baseDelayMs: 20, pollMs: 20 });
    worker.start();
    await until(async () => (await store.pendingCount()) === 0, 20_000, 'the watch messages to go out');
    await worker.stop();
    const dead = store.db.prepare('SELECT count(*) n FROM outbox WHERE dead_at IS NOT NULL').get() as { n: number };
    assert.equal(dead.n, 0);
    const shown = slack.channel('CWATCH').map((m) => JSON.stringify(m.blocks)).join('\n');
    for (const name of names) assert.ok(shown.includes(JSON.stringify(mrkdwnEscape(name)).slice(1, -1)), `watch: ${name.slice(0, 30)}… shown`);

    // An audit of 130 actions with long names and fixes: the card (updated live) and its thread.
    const actions: AuditAction[] = Array.from({ length: 130 }, (_, i) => ({
      id: `a${i}`, name: `${outside(rand, 90)} ${i}`, endpoint: 'https://x.test/', method: 'GET', durationMs: 1, diagnosisId: `d${i}`,
      status: i < 95 ? 'broken' : i < 120 ? 'needs-credentials' : 'ok',
      verdict: i < 95 ? { family: ((i % 3) + 2) as 2 | 3 | 4, cause: 'server-error', title: outside(rand, 100), fix: outside(rand, 200 + Math.floor(rand() * 400)), severity: 'error' } : { family: null, cause: 'none', title: 't', fix: 'f', severity: null },
    }));
    const s = summarize(actions, { total: 130, startedAt: new Date().toISOString(), durationMs: 1000, complete: true, timedOut: false });
    const card = await client.chat.postMessage({ channel: 'CAUDIT', ...auditCard('aud', { ...s, complete: false, done: 10 }, 'U0ALICE') });
    await client.chat.update({ channel: 'CAUDIT', ts: String(card.ts), ...auditCard('aud', s, 'U0ALICE') });
    for (const m of auditThreadMessages('aud', actions, s)) await client.chat.postMessage({ channel: 'CAUDIT', thread_ts: String(card.ts), ...m });
    assert.equal(slack.thread('CAUDIT', String(card.ts)).filter((m) => /Continued/.test(JSON.stringify(m.blocks))).length, 0, 'the audit card is never split (it fits by itself)');
    const everything = slack.messages.filter((m) => m.channel === 'CAUDIT').map((m) => JSON.stringify(m.blocks)).join('\n');
    const buttons = everything.match(/"aud\|a\d+"/g) ?? [];
    assert.equal(new Set(buttons).size, 95, 'every broken action has its line and button, on the card or in the thread');
    assert.deepEqual(slack.refused, []);
  } finally {
    await store.close();
    await slack.close();
  }
});

test('through the real app: a diagnosis of a 3,000-character URL with many headers posts its details as continuations, and Slack accepts everything', async () => {
  const h = await startHarness({ lab });
  try {
    const s = lab.scenarios.find((x) => x.id === 'auth-bearer-missing')!;
    const url = `${s.url}?q=${'a𝔘'.repeat(1000)}`.slice(0, s.url.length + 3000);
    const headers = Array.from({ length: 10 }, (_, i) => `header="X-Trace-${i}: ${'t'.repeat(60)}"`).join(' ');
    await h.driver.command(`ses_long "Look up order ${'🧪'.repeat(30)}" ${url} ${headers}`, { channel: 'CLONG' });
    const card = await h.slack.waitFor(() => h.slack.channel('CLONG').find((m) => JSON.stringify(m.blocks).includes('ad_escalate')), 60_000, 'the verdict card');
    const thread = await h.slack.waitFor(() => { const t = h.slack.thread('CLONG', card.ts); return t.some((m) => JSON.stringify(m.blocks).includes('ad_rerun_later')) ? t : null; }, 30_000, 'the follow-up buttons after the details');
    const details = thread.filter((m) => /Details of|continued/i.test(m.text));
    assert.ok(details.length >= 2, `the details come in ${details.length} message(s)`);
    assert.match(JSON.stringify(details[0]!.blocks), /Continued below/);
    assert.ok(thread.every((m) => blockTextLength(m.blocks) <= MESSAGE_BUDGET.blockText));
    // Every check's evidence is in the thread.
    const shown = details.map((m) => JSON.stringify(m.blocks)).join('\n');
    const checks = (JSON.parse(JSON.stringify(details[0]!.blocks[1])) as { text: { text: string } }).text.text.split('\n').length;
    assert.ok(checks >= 5);
    assert.equal((shown.match(/```/g) ?? []).length / 2 >= checks, true, 'one evidence block per check');
    assert.deepEqual(h.slack.refused, []);
  } finally {
    await h.close();
  }
});

test('through the real app: an audit of 51 actions with long astral names; the live card always fits, every broken action is on it or in its thread, Slack accepts everything', async () => {
  const rand = seededRandom(51);
  const alab = await startLab({ only: ACCOUNT_SCENARIOS });
  const account = labAccount(alab);
  const long = account.map((a) => ({ ...a, action: { ...a.action, name: `${a.action.name} ${outside(rand, 300)}` } }));
  const api = await startFakeOpenCx({ data: { ...demoDataset(), actions: long.map((a) => a.action) } });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-budget-audit-')), 'bot.db'));
  const h = await startHarness({ lab: alab, deps: { services: { opencx: new OpenCxFacts(client) }, store } });
  try {
    await h.driver.command('audit', { channel: 'CAUDLONG' });
    const card = await h.slack.waitFor(() => h.slack.channel('CAUDLONG').find((m) => /audit of 51 actions:/i.test(blocksToText(m.blocks))), 180_000, 'the finished audit card');
    const broken = long.filter((a) => a.expect.status === 'broken');
    // Without the budget the card would carry every broken line: more than Slack takes in one message.
    assert.ok(broken.reduce((sum, a) => sum + a.action.name.length, 0) > 4000, 'the names alone are long');
    for (const v of card.versions) assert.ok(blockTextLength(v.blocks) <= MESSAGE_BUDGET.blockText, `a card version of ${blockTextLength(v.blocks)} characters`);
    // The card fits by itself: the send boundary never had to split one of its live updates (that would post its rest
    // in the thread at every update).
    assert.ok(card.versions.every((v) => !/Continued in this message's thread/.test(JSON.stringify(v.blocks))), 'no card update was split');
    const thread = await h.slack.waitFor(() => { const t = h.slack.thread('CAUDLONG', card.ts); return t.some((m) => /Need credentials to check/.test(blocksToText(m.blocks))) ? t : null; }, 30_000, 'the audit thread');
    const everything = [card, ...thread].map((m) => JSON.stringify(m.blocks)).join('\n');
    const opened = new Set(everything.match(/"action_id":"ad_audit_open","value":"[^"]+"/g) ?? []);
    // (The audit's own count: a name this long changes the verdict of an action or two, e.g. its description checks.)
    const n = Number(/audit of 51 actions: (\d+) broken/i.exec(blocksToText(card.blocks))?.[1]);
    assert.ok(n >= broken.length - 5, `${n} broken`);
    const onCard = card.blocks.filter((b) => JSON.stringify(b).includes('"ad_audit_open"')).length;
    assert.ok(onCard < n, 'the card holds fewer lines than it would without the budget');
    assert.match(blocksToText(card.blocks), new RegExp(`… and ${n - onCard} more broken actions in the thread`));
    assert.equal(opened.size, n, 'one line and button per broken action, on the card or in the thread');
    assert.deepEqual(h.slack.refused, []);
  } finally {
    await h.close();
    store.close();
    await client.close();
    await api.close();
    await alab.close();
  }
});

test('through the real app: `watch all` over 51 actions with long astral names; 40 of them gone from OpenCX post a line each, chunked to fit, every one accepted through the outbox', async () => {
  const rand = seededRandom(52);
  const wlab = await startLab({ only: ACCOUNT_SCENARIOS });
  const long = labAccount(wlab).map((a) => ({ ...a.action, name: `${a.action.name} ${outside(rand, 200)}` }));
  const api = await startFakeOpenCx({ data: { ...demoDataset(), actions: long } });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_REQUESTS_PER_MINUTE: '99', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-budget-watch-')), 'bot.db'));
  const slack = await startFakeSlack();
  // As main.ts wires it: the outbox sends with the app's clients (slackClientOptions: the send boundary).
  const worker = new OutboxWorker({ store, senders: slackSenders(new bolt.webApi.WebClient(TOKEN, slackClientOptions({ SLACK_API_URL: slack.apiUrl }))), baseDelayMs: 20, pollMs: 50 });
  const watch = WatchSettingsSchema.parse({ WATCH_MIN_INTERVAL_MINUTES: '0.005', WATCH_TICK_SECONDS: '0.3' });
  const h = await startHarness({ lab: wlab, slack, deps: { services: { opencx: new OpenCxFacts(client) }, store, outbox: worker, watch } });
  worker.start();
  try {
    await h.driver.command('watch all every=1s', { channel: 'CWLONG' });
    await slack.waitFor(() => slack.channel('CWLONG').find((m) => /Now: 51 actions/.test(blocksToText(m.blocks))), 60_000, 'the watch-all baseline');
    // 40 actions deleted in OpenCX: the next run posts one line for each, with its long name.
    const gone = api.data.actions.splice(0, 40) as { name: string }[];
    const before = slack.channel('CWLONG').length;
    const shown = await slack.waitFor(() => {
      const after = slack.channel('CWLONG').slice(before);
      const all = after.map((m) => JSON.stringify(m.blocks)).join('\n');
      return gone.every((a) => all.includes(JSON.stringify(mrkdwnEscape(a.name)).slice(1, -1))) ? after : null;
    }, 120_000, 'a line for every action gone');
    assert.ok(shown.length >= 2, `the transitions came in ${shown.length} message(s)`);
    assert.match(JSON.stringify(shown[0]!.blocks), /Continued in the next message/);
    assert.ok(shown.every((m) => blockTextLength(m.blocks) <= MESSAGE_BUDGET.blockText && m.blocks.length <= 50));
    const dead = store.db.prepare('SELECT count(*) n FROM outbox WHERE dead_at IS NOT NULL').get() as { n: number };
    assert.equal(dead.n, 0);
    assert.deepEqual(slack.refused, []);
  } finally {
    await h.close();
    await worker.stop();
    await client.close();
    await store.close();
    await api.close();
    await slack.close();
    await wlab.close();
  }
});
