import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';

const base = (extra: Record<string, unknown> = {}) => ({ openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://api.example.test' }], paths: {}, ...extra });
const op = (o: Record<string, unknown>) => ({ operationId: 'lookUpOrder', description: 'Look up an order by ID and return its status', responses: { '200': { description: 'ok' } }, ...o });
const body = (schema: unknown, type = 'application/json') => ({ requestBody: { content: { [type]: { schema } } } });

function check(spec: Record<string, unknown>, asYaml = false) {
  const r = checkSpec(parseSpecText('t', asYaml ? stringify(spec) : JSON.stringify(spec)));
  return r.issues.map((i) => ({ id: i.cause.id, op: i.operation, pointer: i.pointer, message: i.message }));
}
const ids = (spec: Record<string, unknown>) => [...new Set(check(spec).map((i) => i.id))].sort();

test('a clean spec has no issues', () => {
  assert.deepEqual(check(base({ paths: { '/orders/{id}': { get: op({ parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] }) } } })), []);
});

test('nested oneOf and top-level anyOf, with the operation and the JSON pointer', () => {
  const issues = check(base({ paths: { '/o': { post: op(body({ type: 'object', properties: { pay: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } })) } } }));
  assert.deepEqual(issues.map((i) => [i.id, i.op, i.pointer]), [['spec-oneof', 'POST /o (lookUpOrder)', '#/paths/~1o/post/requestBody/content/application~1json/schema/properties/pay/oneOf']]);
  assert.deepEqual(ids(base({ paths: { '/o': { post: op(body({ anyOf: [{ type: 'object' }, { type: 'string' }] })) } } })), ['spec-oneof']);
});

test('circular $ref: the cycle is reported as a path of schema names', () => {
  const spec = base({
    paths: { '/o': { post: op(body({ $ref: '#/components/schemas/A' })) } },
    components: { schemas: { A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } }, B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } } } },
  });
  const c = check(spec).find((i) => i.id === 'spec-circular-ref')!;
  assert.equal(c.message, 'cycle A → B → A');
  assert.equal(c.pointer, '#/components/schemas/B/properties/a');
});

test('responses may be circular: only inputs matter for the tool schema', () => {
  const spec = base({ paths: { '/o': { get: op({}) } }, components: { schemas: { A: { properties: { a: { $ref: '#/components/schemas/A' } } } } } });
  assert.deepEqual(ids(spec), []);
});

test('unresolvable and external $refs: reported, external ones never read', () => {
  const missing = check(base({ paths: { '/o': { post: op(body({ $ref: '#/components/schemas/Missing' })) } } }));
  assert.ok(missing.some((i) => i.id === 'spec-unresolved-ref' && /Missing/.test(i.message)));
  const ext = check(base({ paths: { '/o': { post: op(body({ $ref: '/etc/passwd#/x' })) } } }));
  assert.ok(ext.some((i) => i.id === 'spec-external-ref' && /\/etc\/passwd/.test(i.message)));
  const remote = check(base({ paths: { '/o': { post: op(body({ $ref: 'https://169.254.169.254/schema.json' })) } } }));
  assert.ok(remote.some((i) => i.id === 'spec-external-ref'));
});

test('types that are not JSON Schema, arrays without items, nullable misuse', () => {
  const i = ids(base({ paths: { '/o': { post: op(body({ type: 'object', properties: { d: { type: 'date' }, n: { type: 'int' }, l: { type: 'array' }, x: { type: ['string', 'null'] } } })) } } }));
  assert.deepEqual(i.filter((x) => x !== 'spec-invalid-structure'), ['spec-array-without-items', 'spec-invalid-type', 'spec-nullable-misuse']);
  const v31 = check({ ...base(), openapi: '3.1.0', paths: { '/o': { post: op(body({ type: 'object', properties: { x: { type: 'string', nullable: true } } })) } } });
  assert.ok(v31.some((x) => x.id === 'spec-nullable-misuse' && /ignored in OpenAPI 3.1/.test(x.message)));
});

test('Swagger 2.0 formData file parameters and missing host', () => {
  const spec = { swagger: '2.0', info: { title: 't', version: '1' }, paths: { '/upload': { post: { operationId: 'uploadAvatar', description: 'Upload an avatar image for the user', consumes: ['multipart/form-data'], parameters: [{ name: 'file', in: 'formData', type: 'file' }], responses: { '200': { description: 'ok' } } } } } };
  assert.deepEqual(ids(spec), ['spec-formdata-file', 'spec-no-server']);
});

test("OpenCX's own rules: servers, methods, bodies, cookies, names, descriptions, duplicates", () => {
  assert.deepEqual(ids({ ...base(), servers: undefined, paths: {} }), ['spec-no-server']);
  assert.deepEqual(ids({ ...base(), servers: [{ url: '/api' }] }), ['spec-no-server']);
  assert.deepEqual(ids({ ...base(), servers: [{ url: 'http://api.example.test' }] }), ['spec-http-server']);
  assert.deepEqual(ids(base({ paths: { '/o': { head: op({}) } } })), ['spec-unsupported-method']);
  assert.deepEqual(ids(base({ paths: { '/o': { post: op(body({ type: 'object' }, 'application/x-www-form-urlencoded')) } } })), ['spec-unsupported-body']);
  assert.deepEqual(ids(base({ paths: { '/o': { get: op({ parameters: [{ name: 'sid', in: 'cookie', schema: { type: 'string' } }] }) } } })), ['spec-cookie-param']);
  assert.deepEqual(ids(base({ paths: { '/o': { get: op({ operationId: 'get' }) } } })), ['spec-short-name']);
  const vague = check(base({ paths: { '/o': { get: op({ description: 'Orders' }) } } }));
  assert.deepEqual(vague.map((x) => x.id), ['spec-vague-description']);
  assert.match(vague[0]!.message, /"Orders" \(6 characters\)/);
  assert.deepEqual(ids(base({ paths: { '/a': { get: op({}) }, '/b': { get: op({}) } } })), ['spec-duplicate-name']);
});

test('the YAML fixture: each problem at its operation', () => {
  const issues = check(parseSpecText('orders.yaml', readFileSync('test/openapi/fixtures/orders.yaml', 'utf8')).api);
  const at = (id: string) => issues.filter((i) => i.id === id).map((i) => i.op);
  assert.deepEqual(at('spec-oneof'), ['POST /orders (createOrder)']);
  assert.deepEqual(at('spec-circular-ref'), ['POST /orders (createOrder)']);
  assert.deepEqual(at('spec-invalid-type'), ['POST /orders (createOrder)']);
  assert.deepEqual(at('spec-array-without-items'), ['POST /orders (createOrder)']);
  assert.deepEqual(at('spec-short-name'), ['GET /ping (ping)']);
  assert.ok(!issues.some((i) => i.op === 'GET /orders/{id} (getOrder)'), 'the clean operation has no issue');
});

test('an issue of a shared component is listed once; each operation that reaches it refers to it', async () => {
  const { perOperation, issuesOf } = await import('../../src/openapi/report-view.js');
  const { issuesToFindings } = await import('../../src/openapi/findings.js');
  const ref = { $ref: '#/components/schemas/Payment' };
  const spec = base({
    paths: {
      '/a': { post: op({ operationId: 'createA', ...body({ type: 'object', properties: { pay: ref } }) }) },
      '/b': { post: op({ operationId: 'createB', ...body({ $ref: '#/components/schemas/Wrapper' }) }) },
      '/c': { put: op({ operationId: 'updateC', ...body({ type: 'object', properties: { pay: { type: 'array', items: ref } } }) }) },
      '/d': { get: op({ operationId: 'readD', responses: { '200': { description: 'ok', content: { 'application/json': { schema: ref } } } } }) },
    },
    components: { schemas: { Wrapper: { type: 'object', properties: { p: ref } }, Payment: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } },
  });
  const r = checkSpec(parseSpecText('t', JSON.stringify(spec)));
  const oneOf = r.issues.filter((i) => i.cause.id === 'spec-oneof');
  assert.deepEqual(oneOf.map((i) => [i.operation, i.component, i.pointer]), [[null, '#/components/schemas/Payment', '#/components/schemas/Payment/oneOf']]);
  assert.deepEqual(r.operations.map((o) => [o.label, o.reaches]), [
    ['POST /a (createA)', ['#/components/schemas/Payment']],
    ['POST /b (createB)', ['#/components/schemas/Payment']],
    ['PUT /c (updateC)', ['#/components/schemas/Payment']],
    ['GET /d (readD)', []],
  ]);
  assert.deepEqual(perOperation(r).filter((i) => i.cause.id === 'spec-oneof').map((i) => i.operation), ['POST /a (createA)', 'POST /b (createB)', 'PUT /c (updateC)']);
  assert.deepEqual(issuesOf(r, r.operations[3]!), [], 'a response-only use is not an input');
  const f = issuesToFindings(r, 'spec-import').find((x) => x.id === 'spec-oneof')!;
  assert.match(f.title, /\(3 operations\)/);
  assert.deepEqual(f.evidence, ['#/components/schemas/Payment/oneOf: oneOf with 2 branches in a schema the input refers to (shared: reached by 3 operations)']);
});
