import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { actionCall } from '../../src/pipeline/opencx-request.js';
import { exchange } from '../../src/net/exchange.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { requestProbe } from '../../src/probes/request.js';
import { recorded } from '../helpers/recorded.js';

// The request probe's assess() on recorded answers of real servers (their default pages, quoted from the software).
const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const ids = (spec: Parameters<typeof recorded>[0]) => requestProbe.assess({ exchanges: [recorded(spec)] }, input).map((f) => f.id);
const one = (spec: Parameters<typeof recorded>[0]) => requestProbe.assess({ exchanges: [recorded(spec)] }, input)[0]!;

const NGINX = (status: number, reason: string) => ({
  status, contentType: 'text/html', headers: { server: 'nginx/1.22.1' },
  body: `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n`,
});

test('a sign-in page served with 200 is a gateway wanting a user session (family 2), not "an HTML page"', () => {
  const okta = one({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><html><head><title>Acme - Sign In</title><script src="https://ok12static.oktacdn.com/assets/js/okta-sign-in.min.js"></script></head><body><div id="okta-sign-in"></div></body></html>' });
  assert.equal(okta.id, 'sign-in-page');
  assert.equal(okta.family, 2);
  assert.match(okta.title, /Okta/);
  const form = ids({ status: 200, contentType: 'text/html', body: '<html><body><form method="post" action="/login"><input name="user"><input type="password" name="pw"></form></body></html>' });
  assert.deepEqual(form, ['sign-in-page']);
  const entra = one({ status: 302, headers: { location: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?client_id=x&response_type=code' } });
  assert.equal(entra.id, 'sign-in-page');
  assert.match(entra.evidence.join('\n'), /login\.microsoftonline\.com/);
  const cfAccess = one({ status: 302, headers: { location: 'https://acme.cloudflareaccess.com/cdn-cgi/access/login/api.example.com' } });
  assert.match(cfAccess.title, /Cloudflare Access/);
  const oauth2proxy = ids({ status: 302, headers: { location: '/oauth2/start?rd=%2Forders%2F1' } });
  assert.deepEqual(oauth2proxy, ['sign-in-page']);
  // A web app's catch-all page is still only "an HTML page", and a plain redirect still a redirect.
  assert.deepEqual(ids({ status: 200, contentType: 'text/html', body: '<!doctype html><html><body><div id="root"></div></body></html>' }), ['html-response']);
  assert.deepEqual(ids({ status: 301, headers: { location: 'https://api.example.com/v2/orders/1' } }), ['redirect']);
});

test('413 from nginx: the body limit, with the size sent and nginx\'s setting in the fix', () => {
  const f = one({ ...NGINX(413, 'Request Entity Too Large'), method: 'POST', bodyBytes: 2_000_000 });
  assert.equal(f.id, 'payload-too-large');
  assert.match(f.fix, /client_max_body_size/);
  assert.match(f.evidence.join('\n'), /2000000 bytes/);
});

test('headers too large: nginx\'s 400 page and any 431, naming the token\'s length', () => {
  const nginx = one({ ...NGINX(400, 'Request Header Or Cookie Too Large'), requestHeaders: { Authorization: 'Bearer <9000 chars>' } });
  assert.equal(nginx.id, 'request-headers-too-large');
  assert.match(nginx.title, /9007-byte token/);
  assert.equal(one({ status: 431, body: '' }).id, 'request-headers-too-large');
  // A 400 about the body is not about headers.
  assert.equal(one({ status: 400, contentType: 'application/json', body: '{"error":"orderId is required"}' }).id, 'client-error');
});

test('502/503/504 answered by the proxy itself: no healthy backend; the API\'s own 5xx: server error', () => {
  const bad = one(NGINX(502, 'Bad Gateway'));
  assert.equal(bad.id, 'no-healthy-backend');
  assert.match(bad.title, /nginx answers 502 Bad Gateway/);
  assert.match(one(NGINX(504, 'Gateway Time-out')).title, /did not answer within the proxy's timeout/);
  const haproxy = one({ status: 503, contentType: 'text/html', body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n' });
  assert.equal(haproxy.id, 'no-healthy-backend');
  assert.match(haproxy.title, /HAProxy/);
  assert.equal(one({ status: 503, contentType: 'text/plain', headers: { server: 'envoy' }, body: 'no healthy upstream' }).id, 'no-healthy-backend');
  assert.equal(one({ status: 500, contentType: 'application/json', body: '{"error":"boom"}' }).id, 'server-error');
  // nginx's own 503 page is limit_req's default: the limiter check names it, not this probe.
  assert.deepEqual(ids(NGINX(503, 'Service Temporarily Unavailable')), []);
  // A 503 with Retry-After belongs to the rate-limit probe.
  assert.deepEqual(ids({ status: 503, headers: { 'retry-after': '10' }, body: '' }), []);
});

test('401, 403, 407 and 429 are left to the Authorization, header, IP and rate-limit checks; other 4xx are named', () => {
  for (const s of [401, 403, 407, 429]) assert.deepEqual(ids({ status: s, body: '' }), [], String(s));
  for (const s of [402, 406, 409, 410, 422, 451]) {
    const f = one({ status: s, contentType: 'application/json', body: '{}' });
    assert.equal(f.id, 'client-error', String(s));
    assert.match(f.title, new RegExp(String(s)));
  }
});

test('transport errors: timeout, reset, private address; DNS and TLS left to their probes', () => {
  assert.equal(one({ error: { kind: 'timeout' } }).id, 'http-timeout');
  assert.equal(one({ error: { kind: 'reset', code: 'ECONNRESET' } }).id, 'network-error');
  assert.equal(one({ error: { kind: 'blocked', message: '10.0.0.1 is private' } }).id, 'private-address');
  assert.deepEqual(ids({ error: { kind: 'dns' } }), []);
  assert.deepEqual(ids({ error: { kind: 'tls' } }), []);
});

test('415: the evidence says what content-type was sent, as the user typed it (a public header is not a secret)', async () => {
  const server = http.createServer((_req, res) => res.writeHead(415, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"expected application/xml, got application/json"}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const typed = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders', method: 'POST', headers: [parseHeaderArg('Content-Type: application/json'), parseHeaderArg('Authorization: Bearer ct_test_token_0123456789')], body: { kind: 'json', text: '{}' } });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    const ex = await exchange({ ...actionCall(typed, { label: 'as OpenCX sends it' }), url }, NetOptionsSchema.parse({ allowPrivate: true }));
    const f = requestProbe.assess({ exchanges: [ex] }, typed)[0]!;
    assert.equal(f.id, 'unsupported-media-type');
    assert.ok(f.evidence.includes('Sent content-type: application/json'), f.evidence.join('\n'));
    assert.equal(ex.response?.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(ex.response!.bodySample, /expected application\/xml, got application\/json/);
    assert.equal(ex.request.headers['Authorization'], 'Bearer <24 chars>');
  } finally {
    server.close();
  }
});
