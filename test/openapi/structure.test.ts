/**
 * structure.ts: the whole-document validation, and the proof from changed nodes alone that --fix's re-check uses.
 * The invariant: editsKeepStructure never says "still valid" where validating the whole document says invalid. It is
 * tested on every node of small 2.0 and 3.0 documents and on a sample of the committed GitHub spec, each replaced by
 * values valid and invalid in the official schemas, and it must also say "valid" often enough to be worth having.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { editsKeepStructure, structureOf } from '../../src/openapi/structure.js';
import { seededRandom } from '../helpers/seeded-random.js';

type Obj = Record<string, unknown>;
const esc = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1');

const V3: Obj = {
  openapi: '3.0.3',
  info: { title: 'Shop', version: '1' },
  servers: [{ url: 'https://shop.example.com' }],
  paths: {
    '/orders/{id}': {
      // Two parameters that differ only in their schema: a change can make them equal, which `parameters` forbids.
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getOrder', parameters: [{ name: 'q', in: 'query', content: { 'application/json': { schema: { type: 'object', properties: { a: { type: 'integer' } } } } } }], responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } } } },
      post: {
        operationId: 'updateOrder',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } }, note: { oneOf: [{ type: 'string' }, { type: 'integer' }] } }, additionalProperties: { type: 'string' } } } } },
        responses: { '204': { description: 'done' } },
      },
    },
  },
  components: {
    schemas: {
      Order: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } }, kind: { anyOf: [{ type: 'string', enum: ['a'] }, { not: { type: 'integer' } }] } } },
      Line: { allOf: [{ type: 'object', properties: { sku: { type: 'string', nullable: true } } }] },
    },
    parameters: { Limit: { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } } },
    requestBodies: { Note: { content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
};

const V2: Obj = {
  swagger: '2.0',
  info: { title: 'Shop', version: '1' },
  host: 'shop.example.com',
  paths: {
    '/orders/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
      put: { parameters: [{ name: 'body', in: 'body', schema: { type: 'object', properties: { lines: { type: 'array', items: { $ref: '#/definitions/Line' } } }, additionalProperties: { type: 'string' } } }, { $ref: '#/parameters/Limit' }, { $ref: '#/parameters/Body' }, { name: 'body', in: 'body', schema: { type: 'string' } }], responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/Order' } } } },
    },
  },
  parameters: { Limit: { name: 'limit', in: 'query', type: 'integer' }, Body: { name: 'b', in: 'body', schema: { type: 'object', allOf: [{ $ref: '#/definitions/Line' }] } } },
  definitions: {
    Order: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, lines: { type: 'array', items: { $ref: '#/definitions/Line' } } } },
    Line: { type: 'object', properties: { sku: { type: 'string' } } },
  },
};

/** Values put in place of a node: valid and invalid as a schema, a reference, or anything else. */
const REPLACEMENTS: unknown[] = [
  { type: 'string' },
  { type: 'object', properties: { a: { type: 'integer' } } },
  { $ref: '#/components/schemas/Order' },
  { type: 5 },
  { type: 'date' },
  { required: [] },
  { foo: 1 },
  { type: 'object', properties: { a: { type: 'nope' } } },
  { items: [{ type: 'string' }] },
  { nullable: 'yes' },
  { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  { allOf: { type: 'string' } },
  { description: 7 },
  { name: 'x', in: 'query', schema: { type: 'string' } },
  'a string',
  true,
  null,
  [],
];

/** Every pointer in a document (objects, arrays and scalars alike). */
function pointers(node: unknown, at = '#', out: string[] = []): string[] {
  if (at !== '#') out.push(at);
  if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) pointers(v, `${at}/${esc(k)}`, out);
  return out;
}

/** The document with the node at `pointer` set to `value`, changed in place: `undo` puts the old node back. */
function replace(doc: Obj, pointer: string, value: unknown): { after: Obj; undo: () => void } {
  const t = pointer.slice(2).split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur = doc;
  for (const k of t.slice(0, -1)) cur = cur[k] as Obj;
  const key = t.at(-1)!;
  const had = Object.hasOwn(cur, key);
  const old = cur[key];
  cur[key] = value;
  return { after: doc, undo: () => (had ? (cur[key] = old) : delete cur[key]) };
}

/** Runs every case; each proof of "still valid" is checked against the whole document. Returns how many were proved. */
function assertSound(doc: Obj, cases: [string, unknown][]): number {
  const version = doc['swagger'] ? '2.0' : '3.0';
  const before = structuredClone(doc);
  assert.equal(structureOf(doc).issue, null, 'the starting document is valid');
  let proved = 0;
  for (const [pointer, value] of cases) {
    const { after, undo } = replace(doc, pointer, value);
    try {
      if (!editsKeepStructure(before, after, version, [pointer])) continue;
      proved++;
      assert.equal(structureOf(after).issue?.message ?? null, null, `said valid, but the document is not: ${pointer} = ${JSON.stringify(value)}`);
    } finally {
      undo();
    }
  }
  return proved;
}

test('never "still valid" where the whole document is invalid: every node of a 3.0 and a 2.0 document, replaced', () => {
  for (const doc of [V3, V2]) {
    const cases: [string, unknown][] = [];
    for (const p of pointers(doc)) for (const v of REPLACEMENTS) cases.push([p, v]);
    // Not vacuous: schema positions replaced by valid schemas are proved (the rest falls back to the whole document).
    const proved = assertSound(structuredClone(doc), cases);
    assert.ok(proved >= 40, `${String(doc['swagger'] ?? doc['openapi'])}: proved valid ${proved} times`);
  }
});

test('a $ref rewritten from one string to another keeps the document valid; to a number it does not', () => {
  const p = '#/paths/~1orders~1{id}/post/requestBody/content/application~1json/schema/properties/lines/items/$ref';
  const doc = structuredClone(V3);
  let r = replace(doc, p, '#/components/schemas/LineInput');
  assert.equal(editsKeepStructure(V3, r.after, '3.0', [p]), true);
  r.undo();
  r = replace(doc, p, 5);
  assert.equal(editsKeepStructure(V3, r.after, '3.0', [p]), false);
  assert.ok(structureOf(r.after).issue);
});

test('a change that makes two parameters equal, or adds a node that was not there, is not proved valid', () => {
  const doc = structuredClone(V3);
  const p = '#/paths/~1orders~1{id}/parameters/1/schema';
  let r = replace(doc, p, { type: 'string' });
  assert.equal(editsKeepStructure(V3, r.after, '3.0', [p]), false);
  assert.ok(structureOf(r.after).issue, 'the whole document is invalid: duplicate parameters');
  r.undo();
  const v2 = structuredClone(V2);
  const ref = '#/paths/~1orders~1{id}/put/parameters/2/$ref';
  r = replace(v2, ref, '#/parameters/Limit');
  assert.equal(editsKeepStructure(V2, r.after, '2.0', [ref]), false);
  assert.ok(structureOf(r.after).issue);
  r.undo();
  // A `schema` added beside a parameter's `content` (schema XOR content).
  const added = '#/paths/~1orders~1{id}/get/parameters/0/schema';
  r = replace(doc, added, { type: 'string' });
  assert.equal(editsKeepStructure(V3, r.after, '3.0', [added]), false);
  assert.ok(structureOf(r.after).issue);
});

test('an added component entry is validated with its name; 3.1 is never proved this way', () => {
  const add = (name: string, value: unknown) => {
    const d = structuredClone(V3) as { components: { schemas: Obj } };
    d.components.schemas[name] = value;
    return d as unknown as Obj;
  };
  assert.equal(editsKeepStructure(V3, add('OrderInput', { type: 'object' }), '3.0', ['#/components/schemas/OrderInput']), true);
  assert.equal(editsKeepStructure(V3, add('OrderInput', { type: 'object', foo: 1 }), '3.0', ['#/components/schemas/OrderInput']), false);
  const v31 = { ...V3, openapi: '3.1.0' };
  assert.equal(editsKeepStructure(v31, v31, '3.1', []), false);
});

test('the committed GitHub spec: a seeded sample of its nodes, replaced, never proved valid when it is not', () => {
  const doc = JSON.parse(gunzipSync(readFileSync(new URL('./fixtures/real/github-api.json.gz', import.meta.url))).toString('utf8')) as Obj;
  const all = pointers(doc).filter((p) => p.startsWith('#/components/schemas/') || p.startsWith('#/paths/'));
  const random = seededRandom(20);
  const cases: [string, unknown][] = [];
  for (let i = 0; i < 40; i++) cases.push([all[Math.floor(random() * all.length)]!, REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]]);
  // Schema positions on purpose too (a property of a component, an operation's body schema).
  for (const p of all.filter((x) => /^#\/components\/schemas\/[^/]+\/properties\/[^/]+$/.test(x)).slice(0, 10)) cases.push([p, { type: 'integer', format: 'int64' }], [p, { type: 'integer', foo: 2 }]);
  const proved = assertSound(doc, cases);
  assert.ok(proved >= 10, `proved valid ${proved} times`);
});
