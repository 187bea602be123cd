import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsProbe, type TlsEvidence } from '../../src/probes/tls.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { recorded } from '../helpers/recorded.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const timedOut = { address: '93.184.215.14', tcpConnected: true, tls: null, error: { code: 'ETIMEDOUT', message: 'TLS handshake timed out after 1000 ms' }, ms: 1000 };
const ids = (ev: TlsEvidence) => tlsProbe.assess(ev, input).map((f) => f.id);

test('a handshake that times out is a middlebox, unless the baseline\'s own handshake completed (a slow moment)', () => {
  assert.deepEqual(ids({ exchanges: [], modern: timedOut, legacy: null, baselineTls: null }), ['tls-handshake-timeout']);
  const good = recorded({ status: 200 }).tls!;
  assert.deepEqual(ids({ exchanges: [], modern: timedOut, legacy: null, baselineTls: good }), []);
  // The baseline's certificate facts are then what is judged.
  const expired = { ...good, authorized: false, error: 'CERT_HAS_EXPIRED' };
  assert.deepEqual(ids({ exchanges: [], modern: timedOut, legacy: null, baselineTls: expired }), ['tls-expired']);
});
