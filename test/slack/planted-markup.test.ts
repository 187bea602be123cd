/**
 * Nothing that is not ours can ping, link or spoof (issue 19 item 2). Slack markup is planted in every source the app
 * echoes — the probed endpoint's headers (CORS Allow-Origin, Content-Type, WWW-Authenticate) and body, OpenCX's action
 * description and the customer's message, what the user types, the diagnosis form and the ticket form, a file name —
 * and every payload the fake Slack received is searched for it unescaped, wherever Slack parses mrkdwn: mrkdwn text
 * objects (code spans included) and a message's fallback `text`.
 *
 * Then generated hostile text (test/helpers/hostile-text.ts: mentions, links, entities, backticks and fences, `*_~`,
 * bidi and zero-width characters, ANSI sequences, lone surrogates, emoji, very long strings) goes into every outside
 * field of real reports and through every renderer, Slack's and the terminal's, and each invariant is checked on all of
 * it: no token from outside survives, no formatting from outside is active, every code span is closed, nothing is cut
 * inside an entity, a token or a surrogate pair, no raw control, bidi or zero-width character reaches Slack or a terminal.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { createRootCa, issueServerCert } from '../../src/lab/certs.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { silentLogger } from '../../src/log.js';
import { diagnose, probeRefs } from '../../src/registry.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import type { Report } from '../../src/pipeline/report.js';
import { runningCard, verdictCard, verdictInThreadCard, detailsMessage, followUpMessage, followUpsFor, threadResultMessage, errorMessage, type CardContext } from '../../src/render/blocks.js';
import { interruptedCard } from '../../src/render/interrupted-card.js';
import { ticketBlocks, ticketMarkdown, escalatedLine, type Ticket } from '../../src/render/ticket.js';
import { watchMessages } from '../../src/render/watch-blocks.js';
import { auditCard, auditThreadMessages } from '../../src/render/audit-blocks.js';
import { reportChanges } from '../../src/render/report-diff.js';
import { renderText, progressLine } from '../../src/render/text.js';
import { renderJson } from '../../src/render/json.js';
import { renderAuditText, auditProgressLine } from '../../src/render/audit-text.js';
import { mrkdwnEscape } from '../../src/render/slack-limits.js';
import type { Seen, Transition } from '../../src/watch/state.js';
import type { AuditAction, AuditSummary } from '../../src/audit/schema.js';
import { terminalSafe } from '../../src/cli/io.js';
import { Writable } from 'node:stream';
import { autoParsed, hostileStrings, slackProblems, terminalProblems } from '../helpers/hostile-text.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

/** A URL part from hostile text (a lone surrogate cannot be percent-encoded: U+FFFD, as a browser would send). */
const uriPart = (x: string) => encodeURIComponent(x.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** An OpenCX action name from hostile text that a slash command can still quote. */
const GEN_ACTION = (x: string) => `Gen ${x.replace(/["“”\n\r]/g, '').replace(/\s+/g, ' ').trim().slice(0, 200)}`;

/** One planted link per source, so the test can tell that each source really reached Slack. */
const plant = (src: string) => `<!channel> <!here> <@U123> <https://evil.example/${src}|click>`;
const RAW = [/<!channel>/, /<!here>/, /<@U123>/, /<https:\/\/evil\.example/];

let h: Harness;
let server: https.Server;
let api: FakeOpenCx;
let client: OpenCxClient;
let store: SqliteStore;
let worker: OutboxWorker;
let endpoint: string;
let caPem: string;

before(async () => {
  const ca = await createRootCa();
  caPem = ca.certPem;
  const cert = await issueServerCert(ca, ['hostile.test']);
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const headers = {
      'access-control-allow-origin': plant('cors'),
      'content-type': `text/html; ${plant('ctype')}`,
      'www-authenticate': `Bearer realm="${plant('www')}"`,
      'x-request-id': plant('rid'),
    };
    if (req.url?.startsWith('/gen/')) {
      // Generated hostile text in the status text, header values (latin1 only: HTTP cannot carry more) and the body.
      const g = hostileStrings(Number(req.url.split('/')[2]), 6);
      const latin1 = (x: string) => x.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
      res.writeHead(502, latin1(g[0]!).slice(0, 200) || 'Bad', { 'x-request-id': latin1(g[1]!).slice(0, 500), 'content-type': `text/plain; x=${latin1(g[2]!).slice(0, 200)}`, server: latin1(g[3]!).slice(0, 200), 'access-control-allow-origin': latin1(g[4]!).slice(0, 200) });
      return res.end(`SENTINEL ${JSON.stringify({ error: g[4], message: g[5] })}${g.join('\n')}`);
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, headers);
      return res.end();
    }
    if (req.url?.startsWith('/page')) {
      res.writeHead(200, headers);
      return res.end(`<!DOCTYPE html><html><head><title>${plant('body')}</title></head><body>${plant('body')}</body></html>`);
    }
    if (req.url?.startsWith('/json')) {
      res.writeHead(500, { ...headers, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: plant('body'), message: plant('body') }));
    }
    res.writeHead(401, headers);
    res.end(`<html><title>${plant('body')}</title>${plant('body')}</html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `https://hostile.test:${(server.address() as AddressInfo).port}/orders/7`;

  const data = demoDataset({ order: endpoint });
  data.actions.push({ ...data.actions[0]!, id: 'act_planted', name: 'Planted', description: plant('desc'), api_endpoint: endpoint });
  data.history['ses_web'] = [{ created_at: new Date().toISOString(), event: { type: 'message', sender: { type: 'contact' }, content: { type: 'text', text: plant('customer') } } } as never];
  // OpenCX's own records with generated hostile text: an action's name and description, a customer's message.
  const [gName, gDesc, gCustomer] = hostileStrings(79, 3);
  data.actions.push({ ...data.actions[0]!, id: 'act_gen', name: GEN_ACTION(gName!), description: gDesc!, api_endpoint: endpoint.replace('/orders/7', '/gen/9/') });
  data.history['ses_gen'] = [{ created_at: new Date().toISOString(), event: { type: 'message', sender: { type: 'contact' }, content: { type: 'text', text: gCustomer } } } as never];
  api = await startFakeOpenCx({ data });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });

  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-plant-')), 'bot.db'));
  let send: ReturnType<typeof slackSenders> | null = null;
  worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT' }), silentLogger);
  h = await startHarness({
    only: ['healthy'],
    deps: {
      net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [ca.certPem], hosts: { 'hostile.test': ['127.0.0.1'] } }),
      services: { opencx: new OpenCxFacts(client) }, support, store,
    },
  });
  send = slackSenders(new bolt.webApi.WebClient('xoxb-test-token-planted-7f3a9c', slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
});
after(async () => {
  await worker?.stop();
  await h?.close();
  await client?.close();
  await api?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  store?.close();
});

/** Every string Slack would parse as mrkdwn in a payload: fallback `text` and mrkdwn text objects, at any depth. */
function mrkdwnStrings(body: unknown, top = true): string[] {
  const out: string[] = [];
  if (Array.isArray(body)) for (const b of body) out.push(...mrkdwnStrings(b, false));
  else if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    if (top && typeof o['text'] === 'string' && o['mrkdwn'] !== false) out.push(o['text']);
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') out.push(o['text']);
    for (const [k, v] of Object.entries(o)) if (k !== 'text' || typeof v === 'object') out.push(...mrkdwnStrings(v, false));
  }
  return out;
}

test('planted Slack markup from every source reaches Slack only escaped', async () => {
  // 1. The probed endpoint (headers incl. CORS and Content-Type, body) and what the user typed, via the command.
  await h.driver.command(`ses_web "Planted" ${endpoint} header="X-Note: <!channel>"`, { channel: 'CP1' });
  const card1 = await h.slack.waitFor(() => finalCard(h.slack, 'CP1'), 30_000, 'the card for the hostile endpoint');
  await h.slack.waitFor(() => h.slack.thread('CP1', card1.ts).length >= 2, 10_000, 'its thread');
  for (const [ch, path] of [['CP1B', '/page'], ['CP1C', '/json']] as const) {
    await h.driver.command(`ses_web "Planted" ${endpoint.replace('/orders/7', path)}`, { channel: ch });
    const c = await h.slack.waitFor(() => finalCard(h.slack, ch), 30_000, `the card for ${path}`);
    await h.slack.waitFor(() => h.slack.thread(ch, c.ts).length >= 2, 10_000, 'its thread');
  }
  // 2. OpenCX: the action's saved endpoint and description, the customer's message (no endpoint typed).
  await h.driver.command('ses_web "Planted"', { channel: 'CP2' });
  const card2 = await h.slack.waitFor(() => finalCard(h.slack, 'CP2'), 30_000, 'the card for the OpenCX action');
  await h.slack.waitFor(() => h.slack.thread('CP2', card2.ts).length >= 2, 10_000, 'its thread');
  // 3. An action name typed with markup (Slack delivers it entity-encoded; the app decodes, then must escape).
  await h.driver.command(`ses_web "${plant('typed')}" ${endpoint}`, { channel: 'CP3' });
  await h.slack.waitFor(() => finalCard(h.slack, 'CP3'), 30_000, 'the card for the typed name');
  // 4. The diagnosis form's fields.
  await h.driver.command('', { channel: 'CP4' });
  const view = await h.slack.waitFor(() => h.slack.views.find((v) => String(v.view['private_metadata']).includes('CP4')), 3000, 'the form');
  await h.driver.submitView({ id: view.id, callback_id: 'ad_diagnose_modal', private_metadata: String(view.view['private_metadata']) }, {
    session: { v: { value: 'ses_form' } }, action: { v: { value: plant('form') } }, endpoint: { v: { value: endpoint } },
    method: { v: { selected_option: { value: 'GET' } } }, spec: { v: { value: null } }, authorization: { v: { value: null } },
    burst: { v: { value: null } }, owner: { v: { selected_options: [] } },
  });
  const card4 = await h.slack.waitFor(() => finalCard(h.slack, 'CP4'), 30_000, 'the card from the form');
  // 5. The ticket form.
  const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card4.blocks))![1]!;
  await h.driver.click({ channel: 'CP4', ts: card4.ts }, 'ad_escalate', id);
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: id })), 3000, 'the ticket form');
  await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: plant('expected') } }, impact: { v: { value: plant('impact') } }, urgency: { v: { selected_option: { value: 'high' } } },
  });
  await h.slack.waitFor(() => h.slack.channel('CSUPPORT')[0], 5000, 'the ticket in the support channel');
  // 6. A file name, attached to a mention in a card's thread.
  const file = h.slack.upload(`${plant('file')}.yaml`, 'not: [an openapi document');
  await h.driver.mention('', { channel: 'CP1', threadTs: card1.ts }, {}, {}, [file]);
  await h.slack.waitFor(() => h.slack.thread('CP1', card1.ts).length >= 3, 20_000, 'the answer to the file');
  await new Promise((r) => setTimeout(r, 300));

  const everything = JSON.stringify(h.slack.payloads);
  // (WWW-Authenticate is never echoed: header values are shown only as their shape.)
  const missing = ['cors', 'ctype', 'rid', 'body', 'desc', 'customer', 'typed', 'form', 'expected', 'impact', 'file'].filter((src) => !everything.includes(`evil.example/${src}|click`));
  assert.deepEqual(missing, [], 'these sources never reached Slack: the test would prove nothing for them');
  const offenders: string[] = [];
  for (const p of h.slack.payloads) {
    for (const s of mrkdwnStrings(p.body)) {
      if (RAW.some((re) => re.test(s))) offenders.push(`${p.via} ${p.method}: ${s.slice(0, 200)}`);
    }
  }
  assert.deepEqual(offenders, []);
  assert.deepEqual(h.slack.refused, []);
});

/** Every string leaf of a report that came from outside, with hostile text appended (ids, enums and times stay ours). */
function taint(v: unknown, next: () => string, key = ''): unknown {
  const OURS = new Set(['id', 'cause', 'probe', 'status', 'severity', 'source', 'family', 'tool', 'schemaVersion', 'alsoFound', 'startedAt', 'method', 'kind', 'tls', 'timings']);
  if (OURS.has(key)) return v;
  if (typeof v === 'string') return v + next();
  if (Array.isArray(v)) return v.map((x) => taint(x, next, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, taint(x, next, k)]));
  return v;
}

/** What a terminal receives through the CLI's one wrapper (the same as `main` installs). */
function throughTerminal(write: (io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }) => void, json = false): { out: string; err: string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => new Writable({ write(c, _e, cb) { add(String(c)); cb(); } });
  const io = terminalSafe({ stdout: sink((x) => (out += x)), stderr: sink((x) => (err += x)), env: {} }, json);
  write(io);
  return { out, err };
}

test('generated hostile text in every outside field, through every renderer: nothing from outside acts in Slack or a terminal', async () => {
  const problems: string[] = [];
  let rendered = 0;
  for (const seed of [1, 2, 3]) {
    const g = hostileStrings(seed * 1000, 40);
    let i = 0;
    const next = () => g[i++ % g.length]!;
    // A real diagnosis of an endpoint that answers with generated text, its URL path and query hostile too.
    const url = `${endpoint.replace('/orders/7', `/gen/${seed}/`)}${uriPart(next())}?q=${uriPart(next())}`;
    const real = await diagnose(parseDiagnosisInput({ endpoint: url, method: 'GET', action: next(), session: next(), headers: [] }), {
      net: { allowPrivate: true, extraCa: [caPem], hosts: { 'hostile.test': ['127.0.0.1'] } },
    });
    assert.match(JSON.stringify(real), /SENTINEL/, 'the hostile body reached the report');
    for (const report of [real, taint(real, next) as Report]) {
      const ctx: CardContext = { cardId: '3f1c2d4e-0000-4000-8000-000000000000', action: next(), session: next(), endpoint: report.input.endpoint, method: 'GET', requestedBy: 'U0ALICE' };
      const ticket: Ticket = {
        number: 7, status: seed % 2 ? 'open' : 'resolved', createdAt: '2026-01-01T00:00:00Z', createdBy: 'U0ALICE', diagnosisId: report.id, action: next(), session: next(), endpoint: next(), method: 'GET',
        family: report.verdict.family, familyTitle: next(), cause: report.verdict.cause, title: next(), fix: next(), evidence: [next(), next()], alsoFound: [next()], tried: [next(), next()],
        firstFailureAt: next(), threadLink: 'https://x.slack.com/archives/C1/p1', expected: next(), impact: next(), urgency: 'high', resolvedBy: 'U0BOB', resolvedAt: next(),
      };
      const seen = (status: Seen['status']): Seen => ({ name: next(), status, family: status === 'broken' ? 2 : null, cause: status === 'broken' ? 'auth-bearer-missing' : 'none', title: next(), fix: next(), since: '2026-01-01T00:00:00Z', updatedAt: null, diagnosisId: null });
      const transitions: Transition[] = [
        { kind: 'first', id: 'a1', after: seen('broken') }, { kind: 'broken', id: 'a2', before: seen('ok'), after: seen('broken') }, { kind: 'fixed', id: 'a3', before: seen('broken'), after: seen('ok') },
        { kind: 'changed', id: 'a4', before: seen('broken'), after: seen('not-checked') }, { kind: 'vanished', id: 'a5', before: seen('ok') },
      ];
      const action = (status: AuditAction['status'], n: number): AuditAction => ({ id: `act${n}`, name: next(), endpoint: next(), method: 'GET', status, verdict: { family: status === 'broken' ? 3 : null, cause: 'cors-wildcard', title: next(), fix: next(), severity: status === 'broken' ? 'error' : null }, diagnosisId: null, durationMs: 5 });
      const actions = Array.from({ length: 50 }, (_, n) => action((['broken', 'needs-credentials', 'not-checked', 'ok'] as const)[n % 4]!, n));
      const summary: AuditSummary = {
        total: 50, done: 50, ok: 12, broken: 13, needsCredentials: 13, notChecked: 12, byFamily: { '1': 0, '2': 0, '3': 13, '4': 0, '5': 0 }, complete: true, timedOut: false, unreadableRecords: 0, startedAt: '2026-01-01T00:00:00Z', durationMs: 1000,
        brokenActions: actions.filter((a) => a.status === 'broken').flatMap((a) => Array.from({ length: 4 }, () => ({ id: a.id, name: next(), family: 3 as const, cause: a.verdict.cause, title: next(), fix: next(), severity: 'error' as const }))),
      };
      const slack: [string, unknown][] = [
        ['runningCard', runningCard(ctx, probeRefs(), new Map(report.probes.map((p) => [p.id, p])))],
        ['verdictCard', verdictCard(ctx, report)],
        ['verdictCard escalated', verdictCard(ctx, report, { escalatedAs: escalatedLine(ticket) })],
        ['verdictInThreadCard', verdictInThreadCard(ctx, report)],
        ['detailsMessage', detailsMessage(report)],
        ['followUpMessage', followUpMessage(ctx.cardId, followUpsFor(report))],
        ['threadResultMessage', threadResultMessage(next(), report, reportChanges(real, report))],
        ['errorMessage', errorMessage(next())],
        ['interruptedCard', interruptedCard(ctx, 'Press Re-run.')],
        ['ticketBlocks', ticketBlocks(ticket)],
        ...watchMessages(`Watch on "${mrkdwnEscape(next())}", every 15 min`, transitions, new Map(transitions.map((t) => [t.id, [next(), next()]])), null).map((m, n) => [`watchMessages ${n}`, m] as [string, unknown]),
        ['auditCard', auditCard('aud1', summary, 'U0ALICE')],
        ['auditCard running', auditCard('aud1', { ...summary, complete: false, done: 20 }, 'U0ALICE')],
        ...auditThreadMessages('aud1', actions, summary).map((m, n) => [`auditThreadMessages ${n}`, m] as [string, unknown]),
      ];
      for (const [name, msg] of slack) problems.push(...slackProblems(`seed ${seed} ${name}`, msg));
      const terminal = [
        throughTerminal((io) => io.stdout.write(renderText(report, { details: true }))),
        throughTerminal((io) => io.stderr.write(report.probes.map(progressLine).join('\n'))),
        throughTerminal((io) => io.stdout.write(ticketMarkdown(ticket))),
        throughTerminal((io) => io.stdout.write(renderAuditText(actions, summary))),
        throughTerminal((io) => io.stderr.write(actions.map((a) => auditProgressLine(a, summary)).join('\n'))),
        throughTerminal((io) => io.stdout.write(Buffer.from(renderText(report)))),
      ];
      for (const [n, t] of terminal.entries()) problems.push(...terminalProblems(`seed ${seed} terminal ${n}`, t.out + t.err));
      // --json: the same characters as \u escapes, so the document still parses to exactly the report.
      const json = throughTerminal((io) => io.stdout.write(renderJson(report)), true).out;
      problems.push(...terminalProblems(`seed ${seed} --json`, json));
      assert.deepEqual(JSON.parse(json), JSON.parse(renderJson(report)));
      rendered += slack.length + terminal.length + 1;
    }
  }
  assert.ok(rendered > 100);
  assert.deepEqual(problems.slice(0, 30), [], `${problems.length} problems`);
});

test('generated hostile text typed into the real app and answered by the endpoint: every payload Slack receives holds the invariants', async () => {
  const [session, action, typedAction] = hostileStrings(77, 3);
  const word = (x: string) => x.replace(/[\s"“”]/g, '').slice(0, 300) || 'x';
  const phrase = (x: string) => x.replace(/["“”\n\r]/g, '').replace(/\s+/g, ' ').trim().slice(0, 300) || 'x';
  const name = `Look up ${phrase(action!)}`;
  await h.driver.command(`ses_${word(session!)} "${name}" ${endpoint.replace('/orders/7', '/gen/7/')}${uriPart(typedAction!)}`, { channel: 'CGEN1' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CGEN1'), 30_000, 'the card for the generated case');
  await h.slack.waitFor(() => h.slack.thread('CGEN1', card.ts).length >= 2, 10_000, 'its thread');
  // Show details, history of the action, and the escalation form with its ticket.
  const id = /"value":"([0-9a-f-]{36})/.exec(JSON.stringify(card.blocks))![1]!;
  await h.driver.click({ channel: 'CGEN1', ts: card.ts }, 'ad_details', id);
  await h.driver.command(`history ${name}`, { channel: 'CGEN1' });
  await h.driver.click({ channel: 'CGEN1', ts: card.ts }, 'ad_escalate', id);
  const modal = await h.slack.waitFor(() => h.slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: id })), 3000, 'the ticket form');
  const [expected, impact] = hostileStrings(78, 2);
  await h.driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
    expected: { v: { value: expected!.slice(0, 2900) } }, impact: { v: { value: impact!.slice(0, 2900) } }, urgency: { v: { selected_option: { value: 'urgent' } } },
  });
  await h.slack.waitFor(() => h.slack.channel('CSUPPORT').find((m) => JSON.stringify(m).includes('urgent')), 5000, 'the ticket in the support channel');
  // The OpenCX action with a hostile name and description, and a session whose customer message is hostile.
  await h.driver.command(`ses_gen "${GEN_ACTION(hostileStrings(79, 1)[0]!)}"`, { channel: 'CGEN2' });
  const card2 = await h.slack.waitFor(() => finalCard(h.slack, 'CGEN2'), 30_000, 'the card for the OpenCX action');
  await h.slack.waitFor(() => h.slack.thread('CGEN2', card2.ts).length >= 2, 10_000, 'its thread');
  await new Promise((r) => setTimeout(r, 300));
  const everything = JSON.stringify(h.slack.payloads);
  assert.ok(everything.includes('Last diagnoses of'), 'the history answer reached Slack');
  assert.ok(everything.includes('SENTINEL'), "the endpoint's hostile body reached Slack");
  assert.ok(h.slack.payloads.some((p) => p.method === 'views.open'), 'the escalation form reached Slack');
  // Every payload of this file's tests (the planted sources above too), and every view.
  const problems = [...h.slack.payloads.flatMap((p, i) => slackProblems(`${i} ${p.via} ${p.method}`, p.body)), ...h.slack.views.flatMap((v) => slackProblems(`view ${v.id}`, v.view))];
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
  // Nothing Slack would parse on its own: every message and view sent through the Web API or a response_url asks for
  // its text literal, so an outside `@channel` or `#general` stays text (acks are Bolt's HTTP answers: plain text only).
  const parsed = [...h.slack.payloads.filter((p) => p.via !== 'ack').flatMap((p, i) => autoParsed(`${i} ${p.via} ${p.method}`, p.method, p.body)), ...h.slack.views.flatMap((v) => autoParsed(`view ${v.id}`, 'views', v.view))];
  assert.deepEqual(parsed.slice(0, 20), [], `${parsed.length} payloads Slack would parse on its own`);
  assert.deepEqual(h.slack.refused, []);
});
