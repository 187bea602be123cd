import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../src/net/record.js';
import { wafFingerprint } from '../../src/evidence/waf-fingerprint.js';
import { readRateLimit } from '../../src/evidence/rate-limit-headers.js';
import { ipNamedIn } from '../../src/evidence/ip-in-body.js';
import { authForm, authVariants } from '../../src/probes/auth.js';

function answer(status: number, headers: Record<string, string>, body = '', contentType: string | null = null): Exchange {
  return {
    label: 't', request: { method: 'GET', url: 'https://x/', headers: {} }, address: null, error: null, tls: null,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 1 },
    response: { status, headers, contentType, bodyBytes: body.length, bodyTruncated: false, bodySample: body },
  };
}

test('WAF fingerprints: vendors by their block pages, an API 403 in JSON is not a WAF', () => {
  assert.equal(wafFingerprint(answer(403, { server: 'cloudflare', 'cf-ray': 'x' }, '<html>Attention Required! | Cloudflare</html>', 'text/html')), 'Cloudflare');
  assert.equal(wafFingerprint(answer(202, { 'x-amzn-waf-action': 'challenge' }, '', 'text/html')), 'AWS WAF / CloudFront');
  assert.equal(wafFingerprint(answer(403, { server: 'AkamaiGHost' }, 'Access Denied You don\'t have permission. Reference #18.abc', 'text/html')), 'Akamai');
  assert.equal(wafFingerprint(answer(200, {}, '<html><script src="/_Incapsula_Resource?x"></script>', 'text/html')), 'Imperva');
  assert.equal(wafFingerprint(answer(403, {}, '{"error":"forbidden"}', 'application/json')), null);
  assert.equal(wafFingerprint(answer(200, { server: 'cloudflare' }, '{"ok":true}', 'application/json')), null);
});

test('rate-limit headers: Retry-After seconds and date, the IETF draft, X-RateLimit-*', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const a = readRateLimit(answer(429, { 'retry-after': '30', ratelimit: '"default";r=0;t=30', 'ratelimit-policy': '"default";q=100;w=60' }), now);
  assert.deepEqual(a, { limited: true, retryAfterSeconds: 30, limit: 100, remaining: 0, windowSeconds: 60 });
  const b = readRateLimit(answer(503, { 'retry-after': 'Tue, 24 Nov 2026 12:01:00 GMT' }), now);
  assert.equal(b.limited, true);
  assert.equal(b.retryAfterSeconds, 60);
  const c = readRateLimit(answer(200, { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '3' }), now);
  assert.deepEqual([c.limited, c.limit, c.remaining], [false, 1000, 3]);
});

test('an IP named in an allowlist refusal is found; a version number is not an IP', () => {
  assert.equal(ipNamedIn('Forbidden: IP 203.0.113.9 is not on the allowlist'), '203.0.113.9');
  assert.equal(ipNamedIn('{"error":"address 2001:db8::5 not allowed"}'), '2001:db8::5');
  assert.equal(ipNamedIn('{"error":"forbidden"}'), null);
  assert.equal(ipNamedIn('upgrade to 1.2.3.4 of the client library'), null);
});

test('Authorization forms and variants: shape only, every confusion covered once', () => {
  assert.deepEqual(authForm('Bearer abc123def'), { scheme: 'Bearer', prefixCount: 1, strayWhitespace: false });
  assert.deepEqual(authForm('Bearer Bearer abc123def'), { scheme: 'Bearer', prefixCount: 2, strayWhitespace: false });
  assert.deepEqual(authForm(' abc123def\n'), { scheme: null, prefixCount: 0, strayWhitespace: true });
  const v = authVariants('abc123def').map((x) => x.value.reveal());
  assert.deepEqual(v, ['Bearer abc123def', 'bearer abc123def']);
  const w = authVariants('Bearer Bearer abc123def').map((x) => x.value.reveal());
  assert.ok(w.includes('Bearer abc123def') && w.includes('abc123def'));
});
