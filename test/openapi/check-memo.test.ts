/**
 * check.ts's re-check of an edited copy (CheckMemo, `edited`): whatever it reuses, its report is a check from scratch
 * of the edited document. The generated and real specs of fix.test.ts cover the common case; these are the edges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec, newCheckMemo } from '../../src/openapi/check.js';
import { fixSpec } from '../../src/openapi/fix.js';
import type { Profile } from '../../src/openapi/rules/profiles.js';

type Obj = Record<string, unknown>;
const spec = (api: Obj) => parseSpecText('memo.json', JSON.stringify(api, null, 2));

/** Checks `before`, then `after` as an edited copy of it (the pointers changed), and compares with a fresh check. */
function assertRecheck(before: Obj, after: Obj, changed: string[], profile?: Profile) {
  const memo = newCheckMemo();
  checkSpec(spec(before), { memo, ...(profile ? { profile } : {}) });
  const again = checkSpec(spec(after), { memo: newCheckMemo(), edited: { previous: before, memo, changed }, ...(profile ? { profile } : {}) });
  assert.deepEqual(again, checkSpec(spec(after), profile ? { profile } : {}));
}

const V20: Obj = {
  swagger: '2.0', info: { title: 't', version: '1' }, host: 'api.example.com', schemes: ['https'],
  paths: {
    '/a': { post: { operationId: 'createThing', description: 'Creates a thing from the body it is given', parameters: [{ name: 'b', in: 'body', schema: { $ref: '#/definitions/A' } }], responses: { '200': { description: 'ok' } } } },
    '/b': { post: { operationId: 'createWhole', description: 'Creates a whole document from the body it is given', parameters: [{ name: 'b', in: 'body', schema: { $ref: '#' } }], responses: { '200': { description: 'ok' } } } },
  },
  definitions: { A: { type: 'array' } },
};

test('a $ref to the whole document ("#") sees every edit: the fix\'s re-check is a fresh check of its output', () => {
  const s = spec(V20);
  const r = fixSpec(s);
  assert.equal(r.problem, null);
  assert.ok(r.applied.length > 0, 'the array without items is fixed');
  assert.deepEqual(r.report, checkSpec(parseSpecText('memo.json', r.text)));
});

test('a changed version is never answered from the last check (rules read the version)', () => {
  const before: Obj = {
    openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://api.example.com' }],
    paths: { '/a': { post: { operationId: 'createThing', description: 'Creates a thing from the body it is given', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { n: { type: ['string', 'null'] } } } } } }, responses: { '200': { description: 'ok' } } } } },
  };
  const after = { ...before, openapi: '3.1.0' };
  assertRecheck(before, after, ['#/openapi']);
});

test('with a profile, the re-check is the profile\'s fresh check (components reused, operations walked again)', () => {
  const before: Obj = {
    openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://api.example.com' }],
    paths: {
      '/a': { post: { operationId: 'create-thing!', description: 'Creates a thing from the body it is given', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } }, responses: { '200': { description: 'ok' } } } },
      '/b': { post: { operationId: 'createOther', description: 'Creates another thing from the body it is given', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/B' } } } }, responses: { '200': { description: 'ok' } } } },
    },
    components: { schemas: { A: { type: 'object', properties: { x: { type: 'string', format: 'uri' } } }, B: { type: 'object', additionalProperties: true } } },
  };
  const after = structuredClone(before) as { components: { schemas: Obj } };
  after.components.schemas['A'] = { type: 'object', properties: { x: { type: 'integer' } } };
  for (const profile of ['openai-strict', 'gemini', 'anthropic'] as Profile[]) assertRecheck(before, after as unknown as Obj, ['#/components/schemas/A'], profile);
});
