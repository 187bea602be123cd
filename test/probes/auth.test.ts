import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authEvidence, authProbe, authVariants } from '../../src/probes/auth.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { Secret } from '../../src/core/secret.js';
import { recorded } from '../helpers/recorded.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const OK = recorded({ status: 200, contentType: 'application/json', body: '{}' });
const DENIED = recorded({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, contentType: 'application/json', body: '{"error":"invalid_token"}' });

/** The saved value answered by `first` (the baseline), each variant by `answer(label)`. */
function assess(saved: string, first: ReturnType<typeof recorded>, answer: (label: string) => ReturnType<typeof recorded>) {
  const s = new Secret(saved);
  const variants = authVariants(saved).map((v) => ({ label: v.label, shape: v.value.describe(), exchange: answer(v.label) }));
  return authProbe.assess(authEvidence(s, [{ label: 'Authorization as saved', shape: s.describe(), exchange: first }, ...variants]), input).map((f) => f.id);
}

test('the variant that passes names what is wrong with the saved value', () => {
  assert.deepEqual(assess('auth-probe-token-1', DENIED, (l) => (l === 'with "Bearer " prefix' ? OK : DENIED)), ['auth-bearer-prefix-missing']);
  assert.deepEqual(assess('bearer auth-probe-token-1', DENIED, (l) => (l === 'with "Bearer " prefix' ? OK : DENIED)), ['auth-scheme-casing']);
  assert.deepEqual(assess('Bearer auth-probe-token-1', DENIED, (l) => (l === 'token alone' ? OK : DENIED)), ['auth-bearer-prefix-unwanted']);
  assert.deepEqual(assess('Bearer auth-probe-token-1', DENIED, () => DENIED), ['auth-rejected']);
});

test('a proxy\'s own 403 page is an access rule, not the credentials: left to the forbidden check', () => {
  const nginx403 = recorded({ status: 403, contentType: 'text/html', headers: { server: 'nginx' }, body: '<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>' });
  assert.deepEqual(assess('Bearer auth-probe-token-1', nginx403, () => nginx403), []);
});

test('no Authorization saved: a 401 challenge asks for one', () => {
  const ids = authProbe.assess(authEvidence(null, [{ label: 'no Authorization', shape: '(none)', exchange: DENIED }]), input).map((f) => f.id);
  assert.deepEqual(ids, ['auth-missing']);
});
