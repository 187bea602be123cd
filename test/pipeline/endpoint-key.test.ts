import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointKey } from '../../src/pipeline/endpoint-key.js';
import { diagnosisTarget } from '../../src/pipeline/input.js';
import { DiagnosisLimits, LimitsSettingsSchema } from '../../src/limits/diagnosis-limits.js';
import { diagnosisHold, StoredDiagnosisLimits } from '../../src/limits/stored-limits.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startHarness } from '../helpers/slack-harness.js';

// "One running diagnosis per user and endpoint" holds for the endpoint, not for one way of spelling it (red team item 7:
// `#a`, `?`, `?x=1`, `%31`, a trailing dot gave five keys for one endpoint, so one user ran it up to 8 times at once).

const BASES = ['https://api.example.com/orders/1', 'http://api.example.com:8080/v2/items', 'https://10.0.0.7/a/b', 'https://[2001:db8::1]/x', 'https://api.example.com/'];

/** Other spellings of the same endpoint, each made from the base by one rule (and all the rules at once). */
const SPELLINGS: [string, (u: URL) => string][] = [
  ['upper-case host', (u) => u.href.replace(u.hostname, u.hostname.toUpperCase())],
  ['upper-case scheme', (u) => u.href.replace(/^https?/, (s) => s.toUpperCase())],
  ['explicit default port', (u) => (u.port ? u.href : u.href.replace(u.host, `${u.host}:${u.protocol === 'https:' ? 443 : 80}`))],
  ['trailing dot on the host', (u) => (/^[\d.]+$|^\[/.test(u.hostname) ? u.href : u.href.replace(u.host, u.host.replace(u.hostname, `${u.hostname}.`)))],
  ['a fragment', (u) => `${u.href}#section`],
  ['an empty query', (u) => `${u.href}?`],
  ['another query', (u) => `${u.href}?x=1`],
  ['a credential in the URL', (u) => u.href.replace('://', '://user:secret@')],
  ['percent-encoded unreserved characters', (u) => `${u.origin}${u.pathname.replace(/[a-z0-9]/gi, (c) => `%${c.charCodeAt(0).toString(16)}`)}`],
  ['a dot segment', (u) => `${u.origin}/zz/..${u.pathname}`],
  ['an encoded dot segment', (u) => `${u.origin}/zz/%2e%2E${u.pathname}`],
  ['everything at once', (u) => {
    const path = u.pathname.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    const host = /^[\d.]+$|^\[/.test(u.hostname) ? u.hostname : `${u.hostname.toUpperCase()}.`;
    return `${u.protocol.toUpperCase()}//k:v@${host}:${port}${path}?a=b#c`;
  }],
];

test('every spelling of an endpoint has the endpoint\'s key; the key is a key of itself', () => {
  for (const base of BASES) {
    const key = endpointKey(base);
    assert.equal(endpointKey(key), key, `idempotent: ${base}`);
    for (const [rule, spell] of SPELLINGS) {
      const other = spell(new URL(base));
      assert.equal(endpointKey(other), key, `${rule}: ${other}`);
    }
  }
});

test('different endpoints keep different keys (path case, other escapes, port, scheme, host, path)', () => {
  const distinct = [
    'https://api.example.com/orders/1', 'https://api.example.com/Orders/1', 'https://api.example.com/orders/1/', 'https://api.example.com/orders%2F1',
    'https://api.example.com:8443/orders/1', 'http://api.example.com/orders/1', 'https://api2.example.com/orders/1', 'https://api.example.com/orders/2',
  ];
  const keys = distinct.map(endpointKey);
  assert.equal(new Set(keys).size, distinct.length, JSON.stringify(keys));
  // Escapes of reserved characters are kept (their meaning differs from the character), in one case.
  assert.equal(endpointKey('https://a.example/x%2fy'), endpointKey('https://a.example/x%2Fy'));
});

test('the key never shows: diagnosisTarget is the canonical key, an action with no endpoint keeps its own', () => {
  assert.equal(diagnosisTarget({ endpoint: 'https://API.example.com./orders/%31?x=1#a', action: 'Look up order' }), 'https://api.example.com/orders/1');
  assert.equal(diagnosisTarget({ action: 'Look up order' }), 'action:Look up order');
  // The stored hold carries no credential, and is the same for every spelling.
  const hold = diagnosisHold('T1', 'U1', 'https://k:secret@api.example.com/orders/1?api_key=sk_live_abcdef123456');
  assert.equal(hold, diagnosisHold('T1', 'U1', 'https://api.example.com./orders/%31#a'));
  assert.doesNotMatch(hold, /secret|sk_live/);
});

test('both limits (in memory, and in the database) refuse a second running diagnosis of the same endpoint spelled otherwise', async () => {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-ekey-')), 'bot.db'));
  try {
    const settings = LimitsSettingsSchema.parse({});
    for (const limits of [new DiagnosisLimits(settings), new StoredDiagnosisLimits(settings, store)]) {
      const who = { user: 'U1', workspace: 'T1' };
      const first = await limits.tryStart(who, diagnosisTarget({ endpoint: BASES[0]! }));
      assert.equal(first.ok, true);
      for (const [rule, spell] of SPELLINGS) {
        const d = await limits.tryStart(who, diagnosisTarget({ endpoint: spell(new URL(BASES[0]!)) }));
        assert.ok(!d.ok && d.reason === 'running', `${limits.constructor.name}, ${rule}: ${JSON.stringify(d)}`);
      }
      if (first.ok) first.release();
    }
  } finally {
    await store.close();
  }
});

test('in Slack: while a diagnosis runs, the same user spelling the same endpoint otherwise gets "still running", and no second card', async () => {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-ekey-slack-')), 'bot.db'));
  const h = await startHarness({ only: ['slow'], deps: { store } });
  try {
    const ch = 'CSPELL';
    const url = new URL(h.url('slow').replace('{id}', '7'));
    await h.driver.command(`s a ${url.href} timeout=2`, { channel: ch });
    await h.slack.waitFor(() => h.slack.channel(ch)[0], 5000, 'the running card');
    const spellings = [`${url.href}?x=1`, `${url.href}#a`, url.href.replace(url.hostname, url.hostname.toUpperCase()), url.href.replace(url.host, `${url.hostname}.:${url.port}`), url.href.replace('/reports/', '/r%65ports/')];
    for (const s of spellings) {
      const again = await h.driver.command(`s a ${s} timeout=2`, { channel: ch });
      const answer = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === again.responseUrl.split('/').pop()), 5000, `the answer to ${s}`);
      assert.match(JSON.stringify(answer.body), /still running/, s);
    }
    assert.equal(h.slack.channel(ch).filter((m) => !m.ephemeralTo).length, 1, 'one card');
  } finally {
    await h.close();
    await store.close();
  }
});
