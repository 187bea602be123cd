/**
 * spliced-json.ts: the output of a JSON splice read where it changed. It must be JSON.parse of the whole output, and
 * it must give up (null: the caller parses the whole text) whenever a piece is not JSON or a replaced stretch of the
 * input is not the node its pointer names, never return a document that differs from the output's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecText } from '../../src/openapi/load.js';
import { splice, type TextEdit } from '../../src/openapi/splice.js';
import { splicedJson } from '../../src/openapi/spliced-json.js';
import { seededRandom } from '../helpers/seeded-random.js';

type Obj = Record<string, unknown>;
const esc = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1');

const API: Obj = {
  openapi: '3.0.3',
  info: { title: 'Shop ~ "quoted" ünïcode', version: '1' },
  paths: {
    '/orders/{id}': {
      get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'a/b', in: 'query', schema: { oneOf: [{ type: 'string' }, { type: 'integer' }] } }], responses: { '200': { description: 'ok' } } },
    },
  },
  components: { schemas: { Order: { type: 'object', properties: { 'x~y': { type: 'string', enum: ['a', 'b'] }, n: { type: 'number', default: 1.5 } } }, Empty: {} } },
};
// A property named __proto__, as JSON.parse reads it (an own key): edits under it and beside it must keep it so.
((API['components'] as Obj)['schemas'] as Obj)['Proto'] = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}');

/** Every object or array node's pointer (edit targets), the root excepted. */
function containers(node: unknown, at = '#', out: string[] = []): string[] {
  if (!node || typeof node !== 'object') return out;
  if (at !== '#') out.push(at);
  for (const [k, v] of Object.entries(node)) containers(v, `${at}/${esc(k)}`, out);
  return out;
}

test('generated edits on JSON written in three layouts: the document read where it changed is JSON.parse of the output', () => {
  const random = seededRandom(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const values: unknown[] = [{ type: 'integer' }, { type: 'object', properties: { q: { type: 'string' } } }, [], 'text "with" \\ escapes', 42, null, { deep: { er: [1, { x: 'ü' }] } }];
  let read = 0;
  for (let round = 0; round < 60; round++) {
    const text = [JSON.stringify(API), JSON.stringify(API, null, 2), JSON.stringify(API, null, '\t')][round % 3]!;
    const input = parseSpecText('gen.json', text);
    // Disjoint replacements (no pointer inside another) and an added schema.
    const chosen: string[] = [];
    for (const p of containers(API)) if (random() < 0.2 && !chosen.some((c) => p.startsWith(c + '/') || c.startsWith(p + '/'))) chosen.push(p);
    const edits: TextEdit[] = chosen.map((pointer) => ({ kind: 'replace', pointer, value: pick(values) }));
    if (random() < 0.5 && !chosen.some((c) => c === '#/components/schemas' || c === '#/components' || '#/components/schemas'.startsWith(c + '/'))) edits.push({ kind: 'add', map: '#/components/schemas', key: random() < 0.3 ? '__proto__' : `Added${round}`, value: pick(values) });
    const spliced = splice(input.text, 'json', null, edits);
    const api = splicedJson(input, edits, spliced);
    assert.ok(api, `round ${round}: read where it changed`);
    assert.deepEqual(api, JSON.parse(spliced.text), `round ${round}`);
    // The input's document is never changed.
    assert.deepEqual(input.api, JSON.parse(text), `round ${round}: the input changed`);
    read++;
  }
  assert.equal(read, 60);
});

test('a stretch that is not the node its pointer names, or a piece that is not JSON: null, never a wrong document', () => {
  const text = JSON.stringify(API, null, 2);
  const input = parseSpecText('shop.json', text);
  const pointer = '#/components/schemas/Order/properties/n';
  const edits: TextEdit[] = [{ kind: 'replace', pointer, value: { type: 'integer' } }];
  const good = splice(text, 'json', null, edits);
  assert.ok(splicedJson(input, edits, good));
  // The splice's place moved by one character (a scanner that lost count): the stretch no longer parses to the node.
  const shifted = { ...good, placed: good.placed.map((p) => ({ ...p, start: p.start + 1 })) };
  assert.equal(splicedJson(input, edits, shifted), null);
  // The place of another node with other content.
  const other = text.indexOf('{', text.indexOf('"x~y"'));
  const elsewhere = { ...good, placed: good.placed.map((p) => ({ ...p, start: other, end: text.indexOf('}', other) + 1 })) };
  assert.equal(splicedJson(input, edits, elsewhere), null);
  // A piece that is not JSON.
  const broken = { ...good, placed: good.placed.map((p) => ({ ...p, text: '{"type": ' })) };
  assert.equal(splicedJson(input, edits, broken), null);
  // An added member whose place is not the end of an object.
  const add: TextEdit[] = [{ kind: 'add', map: '#/components/schemas', key: 'X', value: {} }];
  const added = splice(text, 'json', null, add);
  assert.ok(splicedJson(input, add, added));
  assert.equal(splicedJson(input, add, { ...added, placed: added.placed.map((p) => ({ ...p, start: p.start - 3 })) }), null);
  // ... or whose object, as the splice found it, is another one (here: a schema inside that map, ending at the same place).
  const inner = text.lastIndexOf('"Proto"');
  const into = { start: text.indexOf('{', inner), end: added.placed[0]!.into!.end - 4 };
  assert.equal(splicedJson(input, add, { ...added, placed: added.placed.map((p) => ({ ...p, into })) }), null);
});

test('a replaced node nested deeper than a stack can compare: read right or null (the whole text is parsed), never a throw', () => {
  const deep = '['.repeat(20_000) + '1' + ']'.repeat(20_000);
  for (const layout of ['compact', 'spaced']) {
    const base = JSON.stringify({ ...API, info: { title: 't', version: '1', 'x-deep': 'DEEP' } }, null, layout === 'compact' ? 0 : 2);
    const text = base.replace('"DEEP"', layout === 'compact' ? deep : deep.replace(/\[/g, '[ '));
    const input = parseSpecText('deep.json', text);
    const edits: TextEdit[] = [{ kind: 'replace', pointer: '#/info/x-deep', value: 'flat' }];
    const spliced = splice(text, 'json', null, edits);
    const out = splicedJson(input, edits, spliced);
    // The deep node is what was replaced: the output has none left to compare.
    if (out !== null) assert.deepEqual(out, JSON.parse(spliced.text), layout);
  }
});

test('several members added to one empty object: valid JSON, read as JSON.parse reads it', () => {
  for (const indent of [0, 2]) {
    const api = { ...API, components: { schemas: {} } };
    const text = JSON.stringify(api, null, indent);
    const input = parseSpecText('empty.json', text);
    const edits: TextEdit[] = ['A', 'B', 'C'].map((key, i) => ({ kind: 'add', map: '#/components/schemas', key, value: { type: 'integer', maximum: i } }));
    const spliced = splice(text, 'json', null, edits);
    const parsed = JSON.parse(spliced.text) as { components: { schemas: Obj } };
    assert.deepEqual(Object.keys(parsed.components.schemas), ['A', 'B', 'C']);
    assert.deepEqual(splicedJson(input, edits, spliced), parsed);
  }
});

