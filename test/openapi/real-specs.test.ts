import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';
import { fixSpec } from '../../src/openapi/fix.js';

// GitHub's and Stripe's real specs, gzipped in the repository (see fixtures/real/README.md for their origin).
const DIR = fileURLToPath(new URL('./fixtures/real/', import.meta.url));
const load = (f: string) => parseSpecText(f, gunzipSync(readFileSync(resolve(DIR, `${f}.gz`))).toString('utf8'));

test('GitHub: 1,223 operations; named findings are real', () => {
  const r = checkSpec(load('github-api.json'));
  assert.equal(r.operations.length, 1223);
  const advisories = r.issues.filter((i) => i.operation === 'GET /advisories (security-advisories/list-global-advisories)' && i.cause.id === 'spec-oneof');
  assert.ok(advisories.some((i) => i.pointer === '#/paths/~1advisories/get/parameters/5/schema/oneOf'), 'the ecosystem filter is a oneOf of string and array');
  assert.equal(r.issues.filter((i) => i.cause.id === 'spec-circular-ref').length, 0, 'GitHub has no circular refs');
  assert.ok(!r.issues.some((i) => i.cause.id === 'spec-no-server'));
});

test('Stripe: form-encoded bodies OpenCX cannot send, no cyclic inputs; --fix output validates', async () => {
  const spec = load('stripe-api.json');
  const r = checkSpec(spec);
  assert.equal(r.operations.length, 452);
  const post = r.issues.find((i) => i.operation === 'POST /v1/accounts (PostAccounts)' && i.cause.id === 'spec-unsupported-body');
  assert.match(post!.message, /application\/x-www-form-urlencoded/);
  assert.equal(r.issues.filter((i) => i.cause.id === 'spec-circular-ref').length, 0, 'Stripe\'s cycles are in responses only');
  const fixed = fixSpec(spec);
  const left = fixed.report.issues.filter((i) => ['spec-oneof', 'spec-invalid-type', 'spec-array-without-items', 'spec-circular-ref'].includes(i.cause.id));
  assert.deepEqual(left.map((i) => i.pointer).slice(0, 5), []);
  await SwaggerParser.validate(JSON.parse(fixed.text), { resolve: { external: false } } as never);
});
