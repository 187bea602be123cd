import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';
import { PROFILES, type Profile } from '../../src/openapi/rules/profiles.js';

// One-rule specs: each changes one thing in a clean operation, and says which providers reject it and why
// (the source of each rule is in the comment beside it in src/openapi/rules/profiles.ts).
type Obj = Record<string, unknown>;
const spec = (opts: { version?: string; op?: Obj; body?: unknown; schemas?: Obj; params?: unknown[] }) => ({
  openapi: opts.version ?? '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://api.example.test' }],
  paths: { '/orders': { post: {
    operationId: 'createOrder', description: 'Create an order for a customer and return its ID',
    ...(opts.params ? { parameters: opts.params } : {}),
    requestBody: { content: { 'application/json': { schema: opts.body ?? strictObject({ sku: { type: 'string' } }) } } },
    responses: { '200': { description: 'ok' } }, ...opts.op,
  } } },
  ...(opts.schemas ? { components: { schemas: opts.schemas } } : {}),
});
const strictObject = (properties: Obj, extra: Obj = {}) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false, ...extra });

const flagged = (api: Obj): Record<Profile, string[]> => {
  const out = {} as Record<Profile, string[]>;
  // OpenAI strict needs additionalProperties: false on every object; Gemini's legacy Schema has no such field. No
  // object satisfies both, so the legacy column is checked on the same spec without `additionalProperties: false`.
  const withoutApFalse = JSON.stringify(api, (k, v) => (k === 'additionalProperties' && v === false ? undefined : v));
  for (const p of PROFILES) out[p] = checkSpec(parseSpecText('t', p === 'gemini-legacy' ? withoutApFalse : JSON.stringify(api)), { profile: p }).issues.filter((i) => i.cause.id.startsWith('spec-profile-')).map((i) => i.message);
  return out;
};

// [rule, spec, rejected by: openai-strict, gemini (JSON Schema field), gemini-legacy, anthropic]
const CASES: [string, Obj, [boolean, boolean, boolean, boolean]][] = [
  ['a clean strict object', spec({}), [false, false, false, false]],
  ['tool name from a summary with spaces', spec({ op: { operationId: undefined, summary: 'Create an order for a customer' } }), [true, true, true, true]],
  ['tool name with a dot and a colon', spec({ op: { operationId: 'orders.create:v2' } }), [true, false, false, true]],
  ['tool name of 65 characters', spec({ op: { operationId: 'a'.repeat(65) } }), [true, true, true, true]],
  ['tool name starting with a digit', spec({ op: { operationId: '2create_order' } }), [false, true, true, false]],
  ['description over 1024 characters', spec({ op: { description: `Create an order ${'x'.repeat(1100)}` } }), [true, false, false, false]],
  ['a map (additionalProperties schema)', spec({ body: strictObject({ tags: { type: 'object', additionalProperties: { type: 'string' } } }) }), [true, false, true, false]],
  ['a free-form object', spec({ body: strictObject({ meta: { type: 'object' } }) }), [true, false, false, false]],
  ['an optional query parameter', spec({ params: [{ name: 'dry_run', in: 'query', schema: { type: 'boolean' } }] }), [true, false, false, false]],
  ['too many enum values', spec({ body: strictObject({ code: { type: 'string', enum: Array.from({ length: 1001 }, (_, i) => `c${i}`) } }) }), [true, false, false, false]],
  ['nesting deeper than 10', spec({ body: Array.from({ length: 11 }).reduce<Obj>((inner) => strictObject({ x: inner }), { type: 'string' }) }), [true, false, false, false]],
  ['top-level oneOf behind a body $ref', spec({ body: { $ref: '#/components/schemas/Pay' }, schemas: { Pay: { oneOf: [strictObject({ a: { type: 'string' } }), strictObject({ b: { type: 'string' } })] } } }), [true, false, true, true]],
  ['OAS 3.0 boolean exclusiveMinimum', spec({ body: strictObject({ n: { type: 'number', minimum: 0, exclusiveMinimum: true } }) }), [false, false, true, true]],
  ['uniqueItems', spec({ body: strictObject({ ids: { type: 'array', items: { type: 'string' }, uniqueItems: true } }) }), [false, true, true, false]],
  ['readOnly', spec({ body: strictObject({ id: { type: 'string', readOnly: true } }) }), [false, true, true, false]],
  ['propertyNames', spec({ version: '3.1.0', body: strictObject({ m: { type: 'object', additionalProperties: false, propertyNames: { pattern: '^[a-z]+$' } } }) }), [false, true, true, false]],
  ['$ref inside the input', spec({ body: strictObject({ a: { $ref: '#/components/schemas/A' } }), schemas: { A: strictObject({ s: { type: 'string' } }) } }), [false, false, false, false]],
  ['additionalProperties: false', spec({ body: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } }), [false, false, false, false]],
  ['additionalProperties: false, in the legacy Schema', { ...spec({}), paths: { '/o': { post: { operationId: 'createOrder', description: 'Create an order for a customer and return its ID', requestBody: { content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } }, responses: { '200': { description: 'ok' } } } } } }, [true, false, true, false]],
];

test('provider profiles: each one-rule spec is rejected exactly by the providers that reject it', () => {
  for (const [rule, api, expected] of CASES) {
    const got = flagged(api);
    PROFILES.forEach((p, i) => assert.equal(got[p].length > 0, expected[i], `${rule}: ${p} ${expected[i] ? 'should reject' : 'should accept'}: ${got[p].join('; ')}`));
  }
});

test('OpenAI strict: the nullable advice follows the OpenAPI version', () => {
  const optional = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
  const v30 = flagged(spec({ body: optional }))['openai-strict'].join('\n');
  const v31 = flagged(spec({ version: '3.1.0', body: optional }))['openai-strict'].join('\n');
  assert.match(v30, /nullable: true/);
  assert.doesNotMatch(v30, /type: \[T, "null"\]/);
  assert.match(v31, /type: \[T, "null"\]/);
});

test('Gemini: the message says which API field the warning is about', () => {
  const api = spec({ body: strictObject({ ids: { type: 'array', items: { type: 'string' }, uniqueItems: true } }) });
  assert.match(flagged(api)['gemini'].join(), /parametersJsonSchema/);
  assert.match(flagged(api)['gemini-legacy'].join(), /legacy Schema/);
});
