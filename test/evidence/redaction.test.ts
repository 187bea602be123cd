import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Secret } from '../../src/core/secret.js';
import { describeHeaders, redactHeaders, redactText, redactUrl } from '../../src/core/redact.js';

test('a Secret prints as [redacted] in every way JS turns it into text', () => {
  const s = new Secret('Bearer tok_0123456789abcdef');
  assert.equal(String(s), '[redacted]');
  assert.equal(JSON.stringify({ s }), '{"s":"[redacted]"}');
  assert.equal(inspect({ s }), '{ s: [redacted] }');
  assert.equal(`${s}`, '[redacted]');
  assert.equal(s.describe(), 'Bearer <20 chars>');
});

test('text that echoes a known secret back is scrubbed (e.g. an error body quoting the header)', () => {
  new Secret('Bearer echo_me_9f8e7d6c5b4a');
  assert.equal(redactText('invalid token echo_me_9f8e7d6c5b4a for user'), 'invalid token [redacted] for user');
  assert.equal(redactText('got "Bearer echo_me_9f8e7d6c5b4a"'), 'got "[redacted]"');
});

test('headers and URLs: credential-looking names and values are described, not shown', () => {
  const h = redactHeaders({ 'x-api-key': 'k_1234567890', cookie: 'sid=abcdef123456', 'content-type': 'application/json', 'x-opencx-org-id': 'org' });
  assert.equal(h['x-api-key'], '<12 chars>');
  assert.equal(h['cookie'], '<16 chars>');
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h['x-opencx-org-id'], 'org');
  assert.deepEqual(describeHeaders([{ name: 'X-Custom', value: new Secret('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig') }]), { 'X-Custom': '<40 chars>' });
  assert.equal(redactUrl('https://api.example.com/orders/{id}?api_key=abc123&page=2'), 'https://api.example.com/orders/{id}?api_key=[redacted]&page=2');
});

test('the authorization scheme is not a secret: a host or text that says "bearer" stays readable', () => {
  new Secret('bearer tok_scheme_0123456789');
  new Secret('Bearer  tok_scheme_0123456789');
  const text = 'GET https://auth-bearer-missing.lab.test/orders wanted "Bearer tok_scheme_0123456789"';
  // "bearer tok_…" was remembered whole, and case does not matter: the echo goes whole, the host stays.
  assert.equal(redactText(text), 'GET https://auth-bearer-missing.lab.test/orders wanted "[redacted]"');
  assert.equal(redactText('Bearer scheme only'), 'Bearer scheme only');
});
