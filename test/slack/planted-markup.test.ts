/**
 * Nothing that is not ours can ping, link or spoof (issue 19 item 2). Slack markup is planted in every source the app
 * echoes — the probed endpoint's headers (CORS Allow-Origin, Content-Type, WWW-Authenticate) and body, OpenCX's action
 * description and the customer's message, what the user types, the diagnosis form and the ticket form, a file name —
 * and every payload the fake Slack received is searched for it unescaped, wherever Slack parses mrkdwn: mrkdwn text
 * objects (code spans included) and a message's fallback `text`.
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

before(async () => {
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['hostile.test']);
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const headers = {
      'access-control-allow-origin': plant('cors'),
      'content-type': `text/html; ${plant('ctype')}`,
      'www-authenticate': `Bearer realm="${plant('www')}"`,
      'x-request-id': plant('rid'),
    };
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
  send = slackSenders(new bolt.webApi.WebClient('xoxb-test-token-planted-7f3a9c', { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } }));
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
