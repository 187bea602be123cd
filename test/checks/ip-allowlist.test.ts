import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipAllowlistCheck } from '../../src/checks/ip-allowlist.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import type { Evidence } from '../../src/pipeline/probe.js';
import type { Exchange } from '../../src/net/record.js';
import { judgeRecorded, recorded } from '../helpers/recorded.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
// The DNS facts as dnsProbe.gather() records them: addresses joined, or "(none)".
const RESOLVED = { host: 'api.example.com', addresses: '93.184.215.14', error: null };
const UNRESOLVED = { host: 'api.example.com', addresses: '(none)', error: 'ENOTFOUND: getaddrinfo ENOTFOUND api.example.com' };
const check = (dnsFacts: Record<string, string | null>, ex: Exchange | undefined) =>
  ipAllowlistCheck.assess(new Map<string, Evidence>([['dns', { exchanges: [], facts: dnsFacts }], ['request', { exchanges: ex ? [ex] : [] }]]), input);

test('a 403 whose body names the caller\'s IP is ip-allowlist-403, with the IP and the body sample as evidence', () => {
  const bodies = ['{"error":"IP 203.0.113.7 is not allowed"}', 'Access denied: your address 2001:db8::7 is not on the allowlist', '<h1>Forbidden</h1><p>Client IP 198.51.100.22 blocked</p>'];
  for (const body of bodies) {
    const fs = check(RESOLVED, recorded({ status: 403, contentType: 'text/plain', body }));
    assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['ip-allowlist-403:3:error'], body);
    const ip = body.match(/203\.0\.113\.7|2001:db8::7|198\.51\.100\.22/)![0];
    assert.ok(fs[0]!.evidence[0]!.includes(`→ 403 naming ${ip}`), fs[0]!.evidence[0]);
    assert.equal(fs[0]!.evidence.length, 2, 'the body sample is part of the evidence');
  }
});

test('a 403 that names no IP, or names a number in an unrelated context, is not blamed on an allowlist', () => {
  assert.deepEqual(check(RESOLVED, recorded({ status: 403, body: '{"error":"forbidden"}' })), []);
  assert.deepEqual(check(RESOLVED, recorded({ status: 403, body: '{"error":"token expired","version":"1.2.3.4"}' })), []);
  assert.deepEqual(check(RESOLVED, recorded({ status: 401, body: 'IP 203.0.113.7 is not allowed' })), [], 'only a 403 is an allowlist refusal');
});

test('resolved, then refused, never answered before connecting, or reset before TLS: ip-allowlist-blocked, naming how', () => {
  const cases: [Exchange, RegExp][] = [
    [recorded({ error: { kind: 'refused', code: 'ECONNREFUSED' } }), /was refused \(ECONNREFUSED\)/],
    [{ ...recorded({ error: { kind: 'connect-timeout', code: null } }), timings: { dnsMs: 1, connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 10_000 } }, /was never answered \(connect-timeout\)/],
    [recorded({ error: { kind: 'reset', code: 'ECONNRESET' }, tls: false }), /was reset \(ECONNRESET\)/],
  ];
  for (const [ex, how] of cases) {
    const fs = check(RESOLVED, ex);
    assert.deepEqual(fs.map((f) => f.id), ['ip-allowlist-blocked'], ex.error?.kind);
    assert.match(fs[0]!.evidence[0]!, /^DNS answered 93\.184\.215\.14, then the connection to /);
    assert.match(fs[0]!.evidence[0]!, how);
  }
});

test('not an allowlist: DNS failed, the connection got through TLS, or there was an answer', () => {
  assert.deepEqual(check(UNRESOLVED, recorded({ error: { kind: 'refused', code: 'ECONNREFUSED' } })), [], 'no address: DNS is the cause');
  assert.deepEqual(check({}, recorded({ error: { kind: 'refused', code: 'ECONNREFUSED' } })), [], 'no DNS facts: cannot tell');
  assert.deepEqual(check(RESOLVED, recorded({ error: { kind: 'reset', code: 'ECONNRESET' }, tls: true })), [], 'reset after the handshake is not a firewall at the door');
  assert.deepEqual(check(RESOLVED, recorded({ error: { kind: 'timeout', code: null } })), [], 'a slow answer is not a blocked connection');
  assert.deepEqual(check(RESOLVED, recorded({ error: { kind: 'connect-timeout', code: null } })), [], 'connected (connectMs recorded) then timed out');
  assert.deepEqual(check(RESOLVED, recorded({ status: 200, body: '{}' })), []);
  assert.deepEqual(check(RESOLVED, undefined), [], 'no call made');
});

test('in the whole verdict, an IP-naming 403 wins over the generic forbidden causes', () => {
  const v = judgeRecorded(input, { baseline: recorded({ status: 403, contentType: 'application/json', body: '{"message":"Your IP address 203.0.113.7 is not allowed"}' }) }).verdict;
  assert.equal(v.cause, 'ip-allowlist-403');
  assert.equal(v.family, 3);
  assert.ok(v.evidence.some((e) => e.includes('203.0.113.7')));
});
