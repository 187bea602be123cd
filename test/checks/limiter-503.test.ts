import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { judgeRecorded, recorded } from '../helpers/recorded.js';

// A limiter's 503 told from a missing backend's, from the evidence of the whole diagnosis.
const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const OK = recorded({ status: 200, contentType: 'application/json', body: '{"id":"1"}' });
const NGINX_503 = recorded({ status: 503, contentType: 'text/html', headers: { server: 'nginx/1.22.1' }, body: '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>' });
const HAPROXY_503 = recorded({ status: 503, contentType: 'text/html', body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n' });
const PLAIN_503 = recorded({ status: 503, contentType: 'application/json', body: '{"error":"unavailable"}' });

test('503 while other calls of the same diagnosis passed: a rate limiter, not a dead backend', () => {
  const v = judgeRecorded(input, { baseline: PLAIN_503, withoutContext: OK }).verdict;
  // The header comparison sees a pass without x-opencx-*, but a 503 is not a refusal: the limiter explains it.
  assert.equal(v.cause, 'rate-limited-503');
  assert.match(v.evidence.join('\n'), /other call.*passed/);
});

test('nginx\'s own 503 page on every call: limit_req/limit_conn favoured (nginx says 502/504 for a dead backend)', () => {
  const v = judgeRecorded(input, { baseline: NGINX_503 }).verdict;
  assert.equal(v.cause, 'rate-limited-503');
  assert.match(v.title, /nginx/);
});

test('HAProxy "no server is available": a missing backend; a bare 503 with nothing else: the server error', () => {
  assert.equal(judgeRecorded(input, { baseline: HAPROXY_503 }).verdict.cause, 'no-healthy-backend');
  assert.equal(judgeRecorded(input, { baseline: PLAIN_503 }).verdict.cause, 'server-error');
  assert.equal(judgeRecorded(input, { baseline: recorded({ status: 503, headers: { 'retry-after': '5' }, body: '' }) }).verdict.cause, 'rate-limited');
});

test('the call passed but calls sent beside it got 503/429: a limiter with no burst (warning, not "no problem")', () => {
  const v = judgeRecorded(input, { baseline: OK, withoutContext: NGINX_503, browserUa: NGINX_503 }).verdict;
  assert.equal(v.cause, 'rate-limit-parallel');
  // First call passed, the burst then got 503: the burst finding names the status.
  const burst = judgeRecorded(input, { baseline: OK, burst: [OK, NGINX_503] });
  assert.ok(burst.findings.some((f) => f.id === 'rate-limit-burst' && /denied with 503/.test(f.evidence.join(' '))));
});

test('a sequential burst denied is the burst finding alone, not also "calls at the same moment"', () => {
  const burst = judgeRecorded(input, { baseline: OK, burst: [OK, { ...NGINX_503, label: 'burst 2/5' }] });
  assert.ok(burst.findings.some((f) => f.id === 'rate-limit-burst'));
  assert.ok(!burst.findings.some((f) => f.id === 'rate-limit-parallel'));
});
