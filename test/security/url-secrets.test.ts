import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, issueServerCert } from '../../src/lab/certs.js';
import { runCli } from '../helpers/run-cli.js';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { storeSink } from '../../src/slack/support.js';
import { createLogger } from '../../src/log.js';
import { Writable } from 'node:stream';

// Issue 17.3: credentials in the query string (and a spec URL's userinfo) are secrets from where they enter, so an
// endpoint that echoes its URL, in any encoding, never brings them back into JSON, Slack or the database.

const TOKEN = 'Zm9vYmFy+c2VjcmV0/dG9rZW4xMjM0=='; // base64, with + / =
const PASSWORD = 'hunter2-Pa55 word';
const SPEC_PASS = 'Sp3c-Passw0rd-x9';
const enc = encodeURIComponent;
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
/** Every form the echo server sends back, and the ones a report might carry. */
const FORMS = [TOKEN, enc(TOKEN), lowerHex(enc(TOKEN)), TOKEN.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), TOKEN.replace(/\//g, '\\/'), PASSWORD, enc(PASSWORD), new URLSearchParams({ p: PASSWORD }).toString().slice(2), SPEC_PASS];

let server: https.Server;
let port: number;
let caFile: string;
let caPem: string;
let seen: string[] = [];

before(async () => {
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['echo.lab.test']);
  caPem = ca.certPem;
  caFile = join(mkdtempSync(join(tmpdir(), 'ad-echo-')), 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  // An endpoint that echoes the URL it was called with, every way an API might: body (raw, decoded, re-encoded,
  // base64url, JSON-escaped), headers, and a redirect's Location.
  server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const url = req.url ?? '';
    seen.push(url);
    const q = new URL(url, 'https://x').searchParams;
    const token = q.get('api_key') ?? '';
    const body = JSON.stringify({ url, decoded: decodeURIComponent(url), token, lower: lowerHex(enc(token)), b64url: token.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), form: new URLSearchParams({ p: q.get('password') ?? '' }).toString(), auth: req.headers.authorization ?? '' }).replace(/\//g, '\\/');
    const status = url.startsWith('/openapi') ? 404 : 200;
    res.writeHead(status, { 'content-type': 'application/json', 'x-echo-url': url, 'x-echo-token': enc(token), location: `https://echo.lab.test/next?from=${enc(url)}`, 'access-control-allow-origin': '*' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => server?.close());

const endpoint = () => `https://echo.lab.test:${port}/orders/1?api_key=${enc(TOKEN)}&password=${enc(PASSWORD)}&page=2`;
const spec = () => `https://specuser:${SPEC_PASS}@echo.lab.test:${port}/openapi.json?token=${enc(TOKEN)}`;
const leaks = (text: string) => FORMS.filter((f) => text.includes(f));

test('the CLI --json and text output carry none of the echoed forms of a query credential or a spec URL password', async () => {
  seen = [];
  const args = ['diagnose', '--endpoint', endpoint(), '--spec', spec(), '--ca', caFile, '--resolve', 'echo.lab.test=127.0.0.1', '--allow-private', '--quiet', '--timeout', '5'];
  const [json, text] = await Promise.all([runCli([...args, '--json']), runCli([...args, '--details'])]);
  assert.ok(seen.some((u) => u.includes(enc(TOKEN))), 'the endpoint really received (and echoed) the token');
  assert.ok(JSON.parse(json.stdout).request !== undefined || json.stdout.length > 100, json.stderr);
  assert.match(json.stdout, /echo\.lab\.test/);
  assert.deepEqual(leaks(json.stdout + json.stderr), [], 'in --json');
  assert.deepEqual(leaks(text.stdout + text.stderr), [], 'in the text report');
  assert.match(json.stdout, /api_key=\[redacted\]/);
});

test('from Slack: the card, the thread and the stored report carry none of them either', async () => {
  seen = [];
  const dir = mkdtempSync(join(tmpdir(), 'ad-echo-db-'));
  const dbPath = join(dir, 'bot.db');
  const store = new SqliteStore(dbPath);
  let h: Harness | undefined;
  let logged = '';
  const logSink = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb(); } });
  try {
    h = await startHarness({ only: ['healthy'], deps: { logger: createLogger({ level: 'debug', destination: logSink }), store, sinks: [storeSink(store)], net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [caPem], hosts: { 'echo.lab.test': ['127.0.0.1'] } }) } });
    await h.driver.command(`ses_1 "Look up order" ${endpoint()} spec=${spec()} timeout=5`, { channel: 'CECHO' });
    const card = await h.slack.waitFor(() => finalCard(h!.slack, 'CECHO'), 30_000, 'the card');
    await h.slack.waitFor(() => h!.slack.thread('CECHO', card.ts).length >= 2, 5000, 'the thread');
    await h.slack.waitFor(() => (store.db.prepare('SELECT count(*) n FROM diagnoses').get() as { n: number }).n > 0 || null, 5000, 'the stored report');
    assert.ok(seen.some((u) => u.includes(enc(TOKEN))), 'the endpoint really received (and echoed) the token');
    const wire = JSON.stringify(h.slack.calls.map((c) => c.args)) + JSON.stringify(h.slack.responses);
    assert.match(wire, /echo\.lab\.test/);
    assert.deepEqual(leaks(wire), [], 'in what was sent to Slack');
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) assert.deepEqual(leaks(readFileSync(f, 'latin1')), [], `in ${f}`);
    assert.deepEqual(leaks(JSON.stringify(store.db.prepare('SELECT * FROM diagnoses').all())), [], 'in the stored rows');
    assert.match(logged, /diagnosis finished/);
    assert.deepEqual(leaks(logged), [], 'in the logs');
  } finally {
    await h?.close();
    await store.close();
  }
});
