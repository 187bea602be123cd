import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from '../../src/lab/index.js';
import { corsProbe } from '../../src/probes/cors.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import type { ProbeContext } from '../../src/pipeline/probe.js';
import { recorded } from '../helpers/recorded.js';

type CorsEvidence = Parameters<typeof corsProbe.assess>[0];
const ORIGIN = 'https://widget.open.cx';
const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const OK = recorded({ status: 200, contentType: 'application/json', body: '{}', headers: { 'access-control-allow-origin': ORIGIN } });

function ev(preflightHeaders: Record<string, string>, opts: { status?: number; method?: string; requested?: string[]; actual?: ReturnType<typeof recorded> } = {}): CorsEvidence {
  const preflight = recorded({ method: 'OPTIONS', status: opts.status ?? 204, headers: preflightHeaders });
  const actual = opts.actual ?? OK;
  return { exchanges: [preflight, actual], origin: ORIGIN, method: opts.method ?? 'GET', requestedHeaders: opts.requested ?? ['authorization', 'x-opencx-session-id'], preflight, actual };
}
const ids = (e: CorsEvidence) => corsProbe.assess(e, input).map((f) => f.id);
const GOOD = { 'access-control-allow-origin': ORIGIN, 'access-control-allow-methods': 'GET, POST, PUT', 'access-control-allow-headers': 'Authorization, X-OpenCX-Session-Id, Content-Type' };

test('a preflight that allows the origin, method and every header sent finds nothing', () => {
  assert.deepEqual(ids(ev(GOOD)), []);
  assert.deepEqual(ids(ev({ ...GOOD, 'access-control-allow-origin': '*' })), []);
});

test('the wildcard * in Allow-Headers never covers Authorization (Fetch spec), and the evidence says so', () => {
  const fs = corsProbe.assess(ev({ ...GOOD, 'access-control-allow-headers': '*' }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['cors-authorization-not-allowed:3:warning']);
  assert.ok(fs[0]!.evidence.includes('The wildcard * does not cover Authorization.'));
  assert.ok(fs[0]!.evidence.includes('Access-Control-Allow-Headers: *'));
});

test('each missing permission is its own finding naming what is missing', () => {
  assert.deepEqual(ids(ev({ ...GOOD, 'access-control-allow-origin': 'https://app.example.com' })), ['cors-origin-not-allowed']);
  assert.deepEqual(ids(ev({ ...GOOD, 'access-control-allow-methods': 'GET, POST' }, { method: 'DELETE' })), ['cors-method-not-allowed']);
  assert.deepEqual(ids(ev({ ...GOOD, 'access-control-allow-methods': 'GET' }, { method: 'POST' })), [], 'POST is a CORS-safelisted method');
  const missing = corsProbe.assess(ev({ ...GOOD, 'access-control-allow-headers': 'authorization' }), input);
  assert.deepEqual(missing.map((f) => f.id), ['cors-headers-not-allowed']);
  assert.match(missing[0]!.evidence.at(-1)!, /Not allowed: x-opencx-session-id/);
  assert.match(missing[0]!.fix, /x-opencx-session-id/);
});

test('a refused preflight is cors-preflight-failed; no CORS at all is only an info note (OpenCX calls from servers)', () => {
  assert.deepEqual(ids(ev(GOOD, { status: 405 })), ['cors-preflight-failed']);
  const none = corsProbe.assess(ev({}, { actual: recorded({ status: 200, body: '{}' }) }), input);
  assert.deepEqual(none.map((f) => `${f.id}:${f.severity}`), ['cors-not-configured:info']);
  assert.deepEqual(ids({ ...ev(GOOD), preflight: recorded({ error: { kind: 'refused', code: 'ECONNREFUSED' } }) }), [], 'unreachable: the request probe says so');
});

test('a good preflight but an actual answer without Allow-Origin: the browser hides the answer from the widget', () => {
  const fs = corsProbe.assess(ev(GOOD, { actual: recorded({ status: 200, body: '{}' }) }), input);
  assert.deepEqual(fs.map((f) => f.id), ['cors-origin-not-allowed']);
  assert.match(fs[0]!.evidence.at(-1)!, /carries no Access-Control-Allow-Origin/);
});

test('real gather against the lab\'s HTTPS server on 127.0.0.1: the preflight asks for the headers the call sends, and the verdict follows', async () => {
  const lab = await startLab({ only: ['cors-wildcard'] });
  try {
    const s = lab.scenarios[0]!;
    const real = parseDiagnosisInput({ endpoint: s.url, headers: s.headers.map(parseHeaderArg), session: 'ses_1', timeoutMs: 5000 });
    const ctx = { input: real, net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts }), signal: new AbortController().signal, baseline: new Promise(() => {}), services: {} } as unknown as ProbeContext;
    const e = await corsProbe.gather(ctx);
    const seen = lab.requests(s.id);
    const pre = seen.find((r) => r.method === 'OPTIONS')!;
    assert.equal(pre.headers['origin'], ORIGIN);
    assert.equal(pre.headers['access-control-request-method'], 'GET');
    const asked = String(pre.headers['access-control-request-headers']).split(',');
    assert.ok(asked.includes('authorization') && asked.includes('x-opencx-session-id'), asked.join());
    assert.equal(seen.find((r) => r.method === 'GET')!.headers['origin'], ORIGIN);
    assert.equal(e.facts?.['allow-headers'], '*');
    assert.deepEqual(corsProbe.assess(e, real).map((f) => f.id), ['cors-authorization-not-allowed']);
    assert.ok(!JSON.stringify(e).includes('lab-token-cors'), 'the recorded evidence holds no secret');
  } finally {
    await lab.close();
  }
});
