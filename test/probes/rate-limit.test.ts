import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rateEvidence, rateLimitProbe } from '../../src/probes/rate-limit.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { recorded } from '../helpers/recorded.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const OK = recorded({ status: 200, contentType: 'application/json', body: '{}' });
const assess = (first: ReturnType<typeof recorded>, burst: ReturnType<typeof recorded>[] = []) => rateLimitProbe.assess(rateEvidence(first, burst), input);

test('429, and 503 with Retry-After, are rate limiting; the title says which status', () => {
  const f = assess(recorded({ status: 429, headers: { 'retry-after': '30', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0' } }))[0]!;
  assert.equal(f.id, 'rate-limited');
  assert.match(f.evidence[0]!, /limit 100, remaining 0, retry after 30 s/);
  const s503 = assess(recorded({ status: 503, headers: { 'retry-after': '120' } }))[0]!;
  assert.equal(s503.id, 'rate-limited');
  assert.match(s503.title, /503 with Retry-After/);
});

test('a burst: the first denied call is named, 429 or a 503 after a passing call (nginx limit_req\'s default)', () => {
  const denied429 = recorded({ status: 429 });
  assert.match(assess(OK, [OK, OK, denied429]).find((f) => f.id === 'rate-limit-burst')!.evidence[0]!, /2 calls in a row passed, call 3 was denied with 429/);
  const nginx503 = recorded({ status: 503, contentType: 'text/html', body: '<center>nginx</center>' });
  assert.match(assess(OK, [nginx503]).find((f) => f.id === 'rate-limit-burst')!.evidence[0]!, /call 1 was denied with 503/);
  assert.deepEqual(assess(OK, [OK, OK]), []);
});
