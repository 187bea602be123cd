import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerBlockingProbe, headerEvidence } from '../../src/probes/header-blocking.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { recorded } from '../helpers/recorded.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const OK = recorded({ status: 200, contentType: 'application/json', body: '{"id":"1"}' });
const FORBIDDEN = recorded({ status: 403, contentType: 'application/json', body: '{"error":"forbidden"}' });
const assess = (a: Parameters<typeof headerEvidence>[0], b: Parameters<typeof headerEvidence>[1], c: Parameters<typeof headerEvidence>[2]) =>
  headerBlockingProbe.assess(headerEvidence(a, b, c), input).map((f) => f.id);

test('statuses: refused with x-opencx-* and passing without them; refused for the OpenCX User-Agent only', () => {
  assert.deepEqual(assess(FORBIDDEN, OK, OK), ['waf-blocks-opencx-headers']);
  assert.deepEqual(assess(FORBIDDEN, FORBIDDEN, OK), ['waf-blocks-user-agent']);
  assert.deepEqual(assess(FORBIDDEN, FORBIDDEN, FORBIDDEN), [], 'refused whatever is sent: not a header rule');
  assert.deepEqual(assess(OK, OK, OK), []);
});

test('outcomes, not just statuses: a dropped connection after the handshake next to a 2xx is a block', () => {
  for (const kind of ['reset', 'timeout', 'other'] as const) {
    const dropped = recorded({ error: { kind, code: kind === 'reset' ? 'ECONNRESET' : null, message: 'socket hang up' } });
    assert.deepEqual(assess(dropped, dropped, OK), ['waf-blocks-user-agent'], kind);
    assert.deepEqual(assess(dropped, OK, OK), ['waf-blocks-opencx-headers'], kind);
    const f = headerBlockingProbe.assess(headerEvidence(dropped, dropped, OK), input)[0]!;
    assert.match(f.title, /by dropping the connection/);
    assert.match(f.evidence.join('\n'), new RegExp(`${kind}`));
  }
  // Refused before the request went out (no TCP, no handshake): headers cannot be the reason.
  const refused = recorded({ error: { kind: 'refused', code: 'ECONNREFUSED' } });
  assert.deepEqual(assess(refused, refused, OK), []);
  const noHandshake = recorded({ error: { kind: 'reset', code: 'ECONNRESET' }, tls: false });
  assert.deepEqual(assess(noHandshake, noHandshake, OK), []);
});
