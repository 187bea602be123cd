import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import bolt from '@slack/bolt';
import { createRootCa, issueServerCert } from '../../src/lab/certs.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { runCli } from '../helpers/run-cli.js';
import { startHarness, finalCard, BOT_TOKEN, type Harness } from '../helpers/slack-harness.js';
import { until } from '../helpers/until.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { createSupport, SupportSettingsSchema } from '../../src/slack/support.js';
import { createLogger } from '../../src/log.js';
import { rememberSecret } from '../../src/core/secret.js';
import { redactText } from '../../src/core/redact.js';
import { slackClientOptions } from '../../src/slack/team-clients.js';

// Generated cases: random secrets (mixed case, digits, symbols; unicode where a URL can carry it) sent the ways a user
// passes them (a Bearer token, an API-key header, a Basic credential, a Cookie's session pair, a `Token token="…"`
// auth-param, a query key, a `;jsessionid=` path parameter, a `#access_token=` fragment; with a Content-Type typed too,
// which must show as typed) to a real local endpoint that echoes each one back in every encoding and case change an
// endpoint was seen to produce, in the body (with one echo straddling the 2048-byte cut of the evidence, at a random
// position, and sometimes the connection cut in the middle of it), in response headers, in a redirect's Location and in
// the status text. Through the real CLI (a process: --json and the text report) and the real Slack app (card, thread,
// escalation ticket, through the fake Slack; rows and file of a real SQLite; its logs), nothing may carry a secret, a
// derived form of one, or a recognisable piece of one.

/** Another seed for a wider search: SECRET_ECHO_SEED=n (a failure names its case; the same seed replays it). */
const SEED = Number(process.env['SECRET_ECHO_SEED'] ?? 20261126);
const rand = seededRandom(SEED);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const between = (a: number, b: number) => a + Math.floor(rand() * (b - a + 1));
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** Header-safe symbols (no quote, backslash or backtick: a Slack command quotes with "), never '.', the padding. */
const SYMBOLS = "!$%'()*+,-/:;=?@[]^_{|}~";
const UNICODE = ['é', 'É', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'ς', 'Ø', 'å', 'Ω', '中', '文', '😀', 'ж', 'Ж'];

/** A secret with at least one of each class, in random order. */
function secret(len: number, classes: string[][]): string {
  const chars = classes.map((c) => pick(c));
  while (chars.length < len) chars.push(pick(pick(classes)));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
const ascii = [LOWER.split(''), UPPER.split(''), DIGITS.split(''), SYMBOLS.split('')];
const alnum = [LOWER.split(''), UPPER.split(''), DIGITS.split('')];

/** Every form of `s` an endpoint might echo: as is, case-changed, base64/base64url, percent-, JSON- and HTML-encoded. */
function formsOf(s: string): string[] {
  const b64 = Buffer.from(s).toString('base64');
  let u00 = '';
  for (let i = 0; i < s.length; i++) u00 += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
  const json = JSON.stringify(s).slice(1, -1);
  return [...new Set([
    s, s.toUpperCase(), s.toLowerCase(),
    b64, b64.replace(/=+$/, ''), b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), b64.toLowerCase(),
    encodeURIComponent(s), encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), new URLSearchParams({ x: s }).toString().slice(2),
    json, json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), u00, u00.toUpperCase(),
    s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
  ])].filter((f) => f.length >= 6);
}

interface Case {
  n: number;
  kind: 'bearer' | 'api-key' | 'basic' | 'cookie' | 'auth-param';
  header: string;
  status: number;
  /** Bare secrets: what must never show, in any form. */
  secrets: string[];
  endpoint: (port: number) => string;
}

const STATUSES = [500, 403, 401, 302, 400, 502];
const KINDS = ['bearer', 'api-key', 'basic', 'cookie', 'auth-param'] as const;
const CASES: Case[] = Array.from({ length: 8 }, (_, n) => {
  const kind = KINDS[n % KINDS.length]!;
  // In a structured value (a Cookie's pairs, an auth-param list) the credential is one pair's value, echoed bare: no
  // separator of the structure (; , = " and space) inside it.
  const token = kind === 'cookie' || kind === 'auth-param' ? secret(between(12, 40), [...alnum, ['-', '_', '.', '~', '!', '*']]) : secret(between(12, 40), ascii);
  const pass = secret(between(8, 20), ascii);
  const header = {
    bearer: `Authorization: Bearer ${token}`,
    'api-key': `X-Api-Key: ${token}`,
    basic: `Authorization: Basic ${Buffer.from(`admin:${pass}`).toString('base64')}`,
    cookie: `Cookie: theme=dark; sessionid=${token}; lang=en`,
    'auth-param': `Authorization: Token token="${token}", user="bob"`,
  }[kind];
  const key = secret(between(8, 16), [...alnum, SYMBOLS.split(''), UNICODE]);
  const sid = secret(between(16, 24), alnum);
  const frag = secret(between(20, 30), [...alnum, ['-', '_']]);
  const secrets = [kind === 'basic' ? pass : token, key, sid, frag, ...(kind === 'basic' ? [`admin:${pass}`] : [])];
  return {
    n, kind, header, status: STATUSES[n % STATUSES.length]!, secrets,
    endpoint: (port) => `https://echo.lab.test:${port}/c/${n};jsessionid=${sid}?key=${encodeURIComponent(key)}&page=2#access_token=${frag}`,
  };
});

/** Forbidden in any output: every derived form of every secret, and (PREFIX or more characters) its beginning. */
const PREFIX = 8;
const forbidden = (c: Case) => [...new Set(c.secrets.flatMap((s) => formsOf(s)))];
function leaks(c: Case, text: string): string[] {
  const low = text.toLowerCase();
  const found: string[] = [];
  for (const f of forbidden(c)) {
    if (text.includes(f) || low.includes(f.toLowerCase())) found.push(`form ${JSON.stringify(f)}`);
    else if (f.length > PREFIX && low.includes(f.slice(0, PREFIX).toLowerCase())) found.push(`prefix ${JSON.stringify(f.slice(0, PREFIX))} of ${JSON.stringify(f)}`);
  }
  return found;
}
/** What was cut at the 2048-byte mark keeps no trailing piece (4 characters or more) of anything the endpoint echoed. */
function cutLeaks(c: Case, sample: string, echoed: string[]): string[] {
  const found: string[] = [];
  // Counted in the sample's own characters (lower-casing İ makes it two), compared without case.
  for (const f of echoed) for (let k = 4; k < f.length && k <= sample.length; k++) if (sample.slice(-k).toLowerCase() === f.slice(0, k).toLowerCase()) found.push(`sample ends with ${JSON.stringify(f.slice(0, k))} of ${JSON.stringify(f)} (case ${c.n})`);
  return found;
}

/**
 * Every string inside a value, and inside any JSON text among them, one per line: the text a reader of that JSON sees,
 * so a form is found whether or not the JSON around it escaped it once more.
 */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value);
    if (/^\s*[[{]/.test(value)) {
      try {
        strings(JSON.parse(value), out);
      } catch {
        // text that only starts like JSON
      }
    }
  } else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}
const seen = (value: unknown) => `${JSON.stringify(value)}\n${strings(value).join('\n')}`;

let server: https.Server;
let port: number;
let caFile: string;
let caPem: string;
/** Per case: every form the endpoint sent back, and how (body, straddling the cut, header, location, status text, cut connection). */
const sent = new Map<number, { forms: Set<string>; ways: Set<string>; requests: number }>();
const serverRand = seededRandom(SEED + 1);

/** What the endpoint received that it echoes: each secret it can see, decoded the way a server framework does. */
function received(req: IncomingMessage): string[] {
  const out: string[] = [];
  const auth = String(req.headers['authorization'] ?? '');
  if (auth) {
    out.push(auth, auth.replace(/^\S+\s+/, ''));
    const param = /\btoken="([^"]*)"/.exec(auth)?.[1];
    if (param) out.push(param);
    if (/^basic /i.test(auth)) {
      const pair = Buffer.from(auth.slice(6), 'base64').toString();
      out.push(pair, pair.slice(pair.indexOf(':') + 1));
    }
  }
  // A session framework echoes the cookie's value on its own ("session … expired").
  const session = /\bsessionid=([^;]*)/.exec(String(req.headers['cookie'] ?? ''))?.[1];
  if (session) out.push(session);
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string') out.push(apiKey);
  const url = new URL(req.url ?? '/', 'https://x');
  const key = url.searchParams.get('key');
  if (key) out.push(key);
  const sid = /;jsessionid=([^/?;]*)/.exec(url.pathname)?.[1];
  if (sid) out.push(sid);
  return out;
}

before(async () => {
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['echo.lab.test']);
  caPem = ca.certPem;
  caFile = join(mkdtempSync(join(tmpdir(), 'ad-echoes-')), 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const n = Number(/^\/c\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1);
    const c = CASES[n];
    const echoes = [...new Set(received(req).flatMap((s) => formsOf(s)))];
    if (!c || echoes.length === 0) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"ok":true}');
    }
    const log = sent.get(n) ?? { forms: new Set<string>(), ways: new Set<string>(), requests: 0 };
    sent.set(n, log);
    // A rotating handful of forms in the body's first bytes, in an error message; one more straddling byte 2048.
    const start = Math.floor(serverRand() * echoes.length);
    const head: string[] = [];
    let bytes = 0;
    for (let i = 0; i < echoes.length && bytes < 1000; i++) {
      const f = echoes[(start + i) % echoes.length]!;
      head.push(f);
      bytes += Buffer.byteLength(f) + 3;
    }
    // One request in four: the connection ends in the middle of the straddling echo, inside a multi-byte character when
    // it has one (what is left of that character must not hide the piece of the secret before it).
    const cutConnection = ++log.requests % 4 === 2;
    const wide = echoes.filter((f) => /[^\x00-\x7f]/.test(f));
    const straddler = cutConnection && wide.length ? pick2(wide) : pick2(echoes);
    const splitChar = Buffer.from(straddler).findIndex((b, i) => i >= 4 && b >= 0xc0);
    const into = cutConnection && splitChar > 0 ? splitChar + 1 : 1 + Math.floor(serverRand() * (Buffer.byteLength(straddler) - 1));
    const prefix = JSON.stringify({ error: { message: `invalid credentials: ${head.join(' | ')}` } }) + '\n';
    const pad = '.'.repeat(Math.max(0, 2048 - into - Buffer.byteLength(prefix)));
    const body = `${prefix}${pad}${straddler} and then ${pick2(echoes)}`;
    for (const f of head) log.forms.add(f);
    log.forms.add(straddler);
    log.ways.add('body').add('straddling');
    // Response headers, a Location and the status text carry forms too (ASCII only: a header value is bytes).
    const asciiForms = echoes.filter((f) => /^[\x20-\x7e]+$/.test(f));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `rid-${n}`, 'content-length': String(Buffer.byteLength(body)) };
    for (let i = 0; i < 6 && asciiForms.length; i++) headers[`x-debug-echo-${i}`] = `got ${pick2(asciiForms)}`;
    // And as a header's name (only a token's characters fit there).
    const nameForm = asciiForms.find((f) => /^[A-Za-z0-9_-]+$/.test(f));
    if (nameForm) headers[`x-seen-${nameForm}`] = '1';
    const status = c.status;
    if (status === 302) headers['location'] = `https://echo.lab.test/login?from=${pick2(asciiForms)}`;
    const reason = `Denied ${pick2(asciiForms) ?? ''}`.trim();
    for (const [k, v] of Object.entries(headers)) if (k.startsWith('x-debug') || k === 'location') log.forms.add(v.replace(/^got |^https:\/\/echo\.lab\.test\/login\?from=/, ''));
    log.ways.add('header').add('status text');
    if (status === 302) log.ways.add('location');
    res.writeHead(status, reason, headers);
    if (cutConnection) {
      log.ways.add('cut connection');
      const upTo = Buffer.byteLength(prefix + pad) + into;
      res.write(Buffer.from(body).subarray(0, upTo), () => res.socket?.end());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => server?.close());

function pick2<T>(xs: readonly T[]): T {
  return xs[Math.floor(serverRand() * xs.length)]!;
}

/** A header known to be a credential is shown as its shape only, whatever its length (short ones included). */
const SHORT = { cookie: 'Q7!x' };

test('generated secrets echoed by a real endpoint, every form and cut: nothing in the CLI --json or text report', async () => {
  const runs = await Promise.all(
    CASES.flatMap((c) => {
      const args = ['diagnose', '--endpoint', c.endpoint(port), '--header', c.header, '--header', `Cookie: ${SHORT.cookie}`, '--header', 'Content-Type: application/json', '--ca', caFile, '--resolve', 'echo.lab.test=127.0.0.1', '--allow-private', '--quiet', '--timeout', '20'];
      return [runCli([...args, '--json']).then((r) => ({ c, r, json: true })), runCli([...args, '--details']).then((r) => ({ c, r, json: false }))];
    }),
  );
  const problems: string[] = [];
  for (const { c, r, json } of runs) {
    assert.ok(r.stdout.includes('echo.lab.test'), `case ${c.n}: a report (${r.code}): ${r.stderr}`);
    const text = json && r.stdout.trim().startsWith('{') ? `${r.stderr}\n${seen(JSON.parse(r.stdout))}` : r.stdout + r.stderr;
    problems.push(...leaks(c, text).map((l) => `case ${c.n} ${c.kind} ${json ? '--json' : 'text'}: ${l}`));
    if (json) {
      const report = JSON.parse(r.stdout) as { input: { headers: Record<string, string> }; probes?: unknown };
      assert.equal(report.input.headers['Cookie'], `<${SHORT.cookie.length} chars>`, 'a short cookie is shown as its shape');
      // A public header is no secret: shown as typed, in what was sent and in what came back.
      assert.equal(report.input.headers['Content-Type'], 'application/json');
      assert.match(r.stdout, /"Content-Type": "application\/json"/);
      assert.match(r.stdout, /"content-type": "application\/json"/);
      assert.ok(!r.stdout.includes(`Cookie: ${SHORT.cookie}`) && !r.stdout.includes(`"${SHORT.cookie}"`));
      // The cut: every body sample kept, none ends with a piece of an echoed form.
      const samples = [...r.stdout.matchAll(/"bodySample":\s*("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
      assert.ok(samples.length > 0, `case ${c.n}: the report keeps body samples`);
      assert.ok(samples.some((s) => s.includes('[redacted]') || leaks(c, s).length), `case ${c.n}: the echoes were there`);
      for (const s of samples) problems.push(...cutLeaks(c, s, [...sent.get(c.n)!.forms]));
      for (const mark of ['key=[redacted]', 'jsessionid=[redacted]', 'access_token=[redacted]']) if (!r.stdout.includes(mark)) problems.push(`case ${c.n}: the URL is not shown with ${mark}`);
    }
  }
  // The endpoint really echoed, every way it can.
  for (const c of CASES) assert.deepEqual([...(sent.get(c.n)?.ways ?? [])].sort(), ['body', 'cut connection', 'header', 'status text', 'straddling', ...(c.status === 302 ? ['location'] : [])].sort(), `case ${c.n}: ways`);
  assert.deepEqual(problems, []);
});

test('the same through Slack: card, thread, escalation ticket, stored rows and database file, logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ad-echoes-db-'));
  const dbPath = join(dir, 'bot.db');
  const store = new SqliteStore(dbPath);
  let logged = '';
  const logSink = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb(); } });
  let send: ReturnType<typeof slackSenders> | null = null;
  const worker = new OutboxWorker({ store, senders: { 'slack.post': (p) => send!['slack.post']!(p), 'slack.update': (p) => send!['slack.update']!(p) }, baseDelayMs: 20, pollMs: 50 });
  const logger = createLogger({ level: 'debug', destination: logSink });
  const support = createSupport(store, worker, SupportSettingsSchema.parse({ SUPPORT_CHANNEL_ID: 'CSUPPORT' }), logger);
  let h: Harness | undefined;
  try {
    h = await startHarness({ only: ['healthy'], deps: { logger, store, support, net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [caPem], hosts: { 'echo.lab.test': ['127.0.0.1'] } }) } });
    send = slackSenders(new bolt.webApi.WebClient(BOT_TOKEN, slackClientOptions({ SLACK_API_URL: h.slack.apiUrl })));
    const slack = h.slack;
    const driver = h.driver;
    await Promise.all(CASES.map(async (c) => {
      const ch = `CECHO${c.n}`;
      const user = `U0ECHO${c.n}`;
      const quoted = c.header.includes('"') ? `header='${c.header}'` : `header="${c.header}"`;
      await driver.command(`ses_${c.n} "Look up order" ${c.endpoint(port)} ${quoted} header="Cookie: ${SHORT.cookie}" header="Content-Type: application/json" timeout=20`, { channel: ch, user });
      const card = await slack.waitFor(() => finalCard(slack, ch), 60_000, `the card of case ${c.n}`);
      await slack.waitFor(() => slack.thread(ch, card.ts).length >= 2, 10_000, `the thread of case ${c.n}`);
      const cardId = JSON.stringify(card.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!;
      await until(async () => (await store.cardDiagnoses(cardId)).length > 0, 10_000, 'the diagnosis stored');
      await driver.click({ channel: ch, ts: card.ts }, 'ad_escalate', cardId, { user });
      const modal = await slack.waitFor(() => slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId })), 5000, `the escalation modal of case ${c.n}`);
      await driver.submitView({ id: modal.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal.view['private_metadata']) }, {
        // A requester who pastes the credential (upper-cased) into the form: it goes no further.
        expected: { v: { value: `The order status; it says ${c.header.toUpperCase()} is wrong` } }, impact: { v: { value: 'Handed off' } }, urgency: { v: { selected_option: { value: 'high' } } },
      }, { user });
    }));
    await until(async () => (store.db.prepare('SELECT count(*) n FROM tickets').get() as { n: number }).n === CASES.length || null, 10_000, 'every ticket');
    // Hours later, more secrets than the registry keeps have passed through (other users' diagnoses): case 0's URL
    // credentials are no longer known. A Re-run sends the same URL, and what its endpoint echoes is scrubbed again.
    const c0 = CASES[0]!;
    for (let i = 0; i < 12_000; i++) rememberSecret(`filler_${i}_${c0.n}_abcdefghij`);
    const sid0 = /;jsessionid=([^?]*)/.exec(c0.endpoint(port))![1]!;
    assert.equal(redactText(`echo ${sid0}`), `echo ${sid0}`, 'the premise: the fillers pushed the URL credential out');
    const card0 = finalCard(slack, 'CECHO0')!;
    const echoedBefore = sent.get(0)!.requests;
    await driver.click({ channel: 'CECHO0', ts: card0.ts }, 'ad_rerun', JSON.stringify(card0.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!, { user: 'U0ECHO0' });
    await slack.waitFor(() => slack.thread('CECHO0', card0.ts).some((m) => /^Re-run/.test(m.text)), 60_000, 'the re-run of case 0');
    assert.ok(sent.get(0)!.requests > echoedBefore, 'the re-run reached the echoing endpoint');
    // An endpoint that does not parse: the answer names the wrong part, and quotes none of the URL's credentials.
    const bad = CASES[0]!.endpoint(port).replace(`:${port}/`, ':99999/');
    const refused = await driver.command(`ses_bad "Look up order" ${bad}`, { channel: 'CECHOBAD', user: 'U0ECHOBAD' });
    assert.match(JSON.stringify(refused.json), /port 99999 of `?https:\/\/echo\.lab\.test`? is out of range/);
    const refusedText = seen(refused.json);
    await slack.waitFor(() => slack.channel('CSUPPORT').length >= CASES.length, 10_000, 'every ticket card');
    const wire = seen([slack.calls.map((x) => x.args), slack.responses, slack.views]);
    assert.match(wire, /\[redacted\]/);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = seen([store.db.prepare('SELECT * FROM diagnoses').all(), store.db.prepare('SELECT * FROM tickets').all()]);
    assert.match(rows, /\[redacted\]/);
    const file = [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('utf8') + readFileSync(f, 'latin1')).join('\n');
    assert.match(logged, /diagnosis finished/);
    const problems = CASES.flatMap((c) => [
      ...leaks(c, wire).map((l) => `case ${c.n} ${c.kind} Slack: ${l}`),
      ...leaks(c, rows).map((l) => `case ${c.n} ${c.kind} stored rows: ${l}`),
      ...leaks(c, file).map((l) => `case ${c.n} ${c.kind} database file: ${l}`),
      ...leaks(c, logged).map((l) => `case ${c.n} ${c.kind} logs: ${l}`),
      ...(c.n === 0 ? leaks(c, refusedText).map((l) => `the answer to an endpoint that does not parse: ${l}`) : []),
    ]);
    assert.match(wire, /Cookie: &lt;4 chars&gt;/, 'a short credential header is shown as its shape');
    assert.match(wire, /Content-Type: application\/json/, 'a public header is shown as typed');
    for (const [where, text] of [['Slack', wire], ['stored rows', rows], ['database file', file], ['logs', logged]]) if (text!.includes(SHORT.cookie)) problems.push(`the short cookie in ${where}`);
    assert.deepEqual(problems, []);
  } finally {
    await worker.stop();
    await h?.close();
    await store.close();
  }
});
