import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { load, dump, CORE_SCHEMA, type DumpOptions } from 'js-yaml';
import { stringify, type ToStringOptions } from 'yaml';
import { readBlockYaml, NOT_BLOCK_YAML, CORE_IMPLICIT_TAGS } from '../../src/openapi/yaml-block-reader.js';
import { parseSpecText } from '../../src/openapi/load.js';
import { seededRandom } from '../helpers/seeded-random.js';

// The invariant: the block reader either gives js-yaml's result for the same text (same values, same key order) or
// steps aside (NOT_BLOCK_YAML); it never reads a text js-yaml refuses. Checked on generated documents written by both
// YAML libraries in many styles, then mutated.

const ERR = Symbol('js-yaml refused it');
function jsYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA, maxAliases: 0, maxDepth: 1000 });
  } catch {
    return ERR;
  }
}
/** Equal values and equal key order at every level (isDeepStrictEqual ignores key order). */
function same(a: unknown, b: unknown): boolean {
  if (!isDeepStrictEqual(a, b)) return false;
  const order = (v: unknown): unknown => (Array.isArray(v) ? v.map(order) : v && typeof v === 'object' ? Object.keys(v).map((k) => [k, order((v as Record<string, unknown>)[k])]) : null);
  return isDeepStrictEqual(order(a), order(b));
}

const TRICKY = [
  'a', 'type', 'description', '200', '1.0', '-1', '+1', '007', '0x1F', '0o17', '1e3', '.inf', '-.5', '.NaN', 'null', 'Null', '~', 'true', 'False',
  'yes', 'no', 'on', '', ' ', ' lead', 'trail ', '-x', '- x', ':x', ': x', '?x', '? x', 'a: b', 'a:b', 'a #b', 'a#b', '#x', "it's", "''", 'say "hi"',
  'x\ty', 'back\\slash', '/users/{id}', 'application/json; charset=utf-8', '#/components/schemas/A', '*', '&a', '!tag', '|', '>', '%x', '@x', '`x`',
  '[a]', '{a}', '[]', '{}', 'a, b', '---', '...', '__proto__', 'ünïcödé', 'emoji 😀', 'line1\nline2', '  indented\n  text\n', 'trailing\n\n',
  'x\u0085y', 'é\u2028z', 'long words '.repeat(12).trim(), 'a\\nb', '\\x41', 'tab\tin the middle', 'ends with colon:', 'a -b', '- - x',
];
function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth < 5 && r < 0.3) return randomObject(rnd, depth + 1);
  if (depth < 5 && r < 0.45) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  if (r < 0.5) return [0, -7, 3.25, -0.5, 1e21, 42, 2 ** 53][Math.floor(rnd() * 7)];
  if (r < 0.55) return rnd() < 0.5;
  if (r < 0.58) return null;
  return TRICKY[Math.floor(rnd() * TRICKY.length)]!;
}
function randomObject(rnd: () => number, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = depth === 0 ? 1 + Math.floor(rnd() * 6) : Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) {
    const k = TRICKY[Math.floor(rnd() * TRICKY.length)]!;
    if (k === '__proto__') Object.defineProperty(o, k, { value: randomValue(rnd, depth), enumerable: true, configurable: true, writable: true });
    else o[k] = randomValue(rnd, depth);
  }
  return o;
}

const JS_YAML_STYLES: DumpOptions[] = [{}, { indent: 4 }, { seqNoIndent: true }, { lineWidth: 20 }, { lineWidth: -1 }, { quoteStyle: 'double' }, { forceQuotes: true }, { flowLevel: 2 }, { seqInlineFirst: false }];
const YAML_STYLES: ToStringOptions[] = [{}, { indentSeq: false }, { lineWidth: 20, minContentWidth: 0 }, { defaultStringType: 'QUOTE_DOUBLE' }, { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' }, { blockQuote: 'folded' }, { blockQuote: 'literal' }, { indent: 4 }, { collectionStyle: 'flow' }];
function writings(value: unknown): string[] {
  const out: string[] = [];
  for (const o of JS_YAML_STYLES) {
    try {
      out.push(dump(value, o));
    } catch {
      // a style this value cannot be written in
    }
  }
  for (const o of YAML_STYLES) out.push(stringify(value, o));
  return out;
}

function mutate(rnd: () => number, text: string): string {
  const lines = text.split('\n');
  const at = Math.floor(rnd() * (lines.length + 1));
  switch (Math.floor(rnd() * 9)) {
    case 0: lines.splice(at, 0, ' '.repeat(Math.floor(rnd() * 8)) + '# a comment: with - things'); break;
    case 1: lines.splice(at, 0, ''); break;
    case 2: return lines.join('\r\n');
    case 3: return '---\n' + text;
    case 4: if (lines[at]) lines[at] += rnd() < 0.5 ? '   ' : ' # trailing comment'; break;
    case 5: { const p = Math.floor(rnd() * text.length); return text.slice(0, p) + text.slice(p + 1); }
    case 6: { const p = Math.floor(rnd() * text.length); return text.slice(0, p) + [' ', '\t', ':', '#', '-', '"', "'", '\n', '  ', '|'][Math.floor(rnd() * 10)] + text.slice(p); }
    case 7: if (lines[at]) lines[at] = ' ' + lines[at]; break;
    case 8: return '\ufeff' + text;
  }
  return lines.join('\n');
}

test('the core schema\'s implicit scalar tags are the ones the reader resolves plain scalars with', () => {
  const implicit = CORE_SCHEMA.tags.filter((t) => t.nodeKind === 'scalar' && t.implicit).map((t) => t.tagName).sort();
  assert.deepEqual(CORE_IMPLICIT_TAGS.map((t) => t.tagName).sort(), implicit);
});

test('generated documents in 18 writing styles: the reader gives js-yaml\'s value, and reads nearly all of them itself', () => {
  const rnd = seededRandom(20261125);
  let blockWritten = 0;
  let blockRead = 0;
  for (let i = 0; i < 400; i++) {
    const value = randomObject(rnd, 0);
    for (const text of writings(value)) {
      const expected = jsYaml(text);
      assert.notEqual(expected, ERR, `js-yaml cannot read what a YAML library wrote:\n${text}`);
      const got = readBlockYaml(text);
      // Block style without explicit `? ` keys (the dumpers use them for keys with line breaks) is what the reader is for.
      const block = !/^\s*[{[]/.test(text) && !/^\s*(- )*\? /m.test(text);
      if (block) blockWritten++;
      if (got === NOT_BLOCK_YAML) continue;
      if (block) blockRead++;
      assert.ok(same(got, expected), `differs from js-yaml:\n${text}\n${JSON.stringify(got)}\n${JSON.stringify(expected)}`);
    }
  }
  assert.ok(blockRead / blockWritten > 0.97, `read ${blockRead} of ${blockWritten} block-style writings`);
});

test('mutated documents (comments, blank lines, CRLF, BOM, `---`, a character removed or inserted): never a different value, never a text js-yaml refuses', () => {
  const rnd = seededRandom(7);
  let refusedByJsYaml = 0;
  for (let i = 0; i < 300; i++) {
    const value = randomObject(rnd, 0);
    for (const base of writings(value)) {
      let text = base;
      for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) text = mutate(rnd, text);
      const expected = jsYaml(text);
      const got = readBlockYaml(text);
      if (expected === ERR) {
        refusedByJsYaml++;
        assert.equal(got, NOT_BLOCK_YAML, `read a text js-yaml refuses:\n${JSON.stringify(text)}`);
      } else if (got !== NOT_BLOCK_YAML) {
        assert.ok(same(got, expected), `differs from js-yaml:\n${JSON.stringify(text)}\n${JSON.stringify(got)}\n${JSON.stringify(expected)}`);
      }
    }
  }
  assert.ok(refusedByJsYaml > 100, 'the mutations produce broken YAML too');
});

test('the committed real specs, written as YAML by both libraries: equal to js-yaml; read by the reader itself where few nodes need js-yaml', () => {
  const real = (n: string) => JSON.parse(gunzipSync(readFileSync(`test/openapi/fixtures/real/${n}.json.gz`)).toString('utf8')) as unknown;
  const orders = load(readFileSync('test/openapi/fixtures/orders.yaml', 'utf8'));
  // (Writing the big ones takes the YAML libraries a second or two each: one writing of each.)
  // GitHub's descriptions written as block scalars, and Stripe's folded at 60 columns, are thousands of nodes for js-yaml
  // (more than one in 30): the reader steps aside for js-yaml to read the file whole. Written without folding (as the
  // big machine-written specs are), Stripe is the reader's own.
  const stripe = real('stripe-api');
  const texts: [string, boolean][] = [[dump(real('github-api')), false], [stringify(stripe, { indentSeq: false, lineWidth: 60 }), false], [stringify(stripe, { lineWidth: 0 }), true]];
  for (const t of [stringify(orders), dump(orders), dump(orders, { seqNoIndent: true, lineWidth: 60 }), stringify(orders, { indentSeq: false, lineWidth: 40 })]) texts.push([t, true]);
  for (const [text, byReader] of texts) {
    const got = readBlockYaml(text);
    if (byReader) assert.notEqual(got, NOT_BLOCK_YAML);
    if (got !== NOT_BLOCK_YAML) assert.ok(same(got, jsYaml(text)));
  }
});

test('hand-written block YAML: block scalars with every chomping, indentless and compact sequences, comments everywhere', () => {
  const text = [
    '# leading comment',
    '---',
    'openapi: 3.0.3   # trailing',
    'info:',
    '  title: "Orders \\u00e9 \\"API\\""',
    "  version: '1.0 it''s'",
    '  description: |+',
    '    kept',
    '',
    '',
    '  summary: >-',
    '    folded',
    '    text',
    '',
    '    more',
    '  x-list:',
    '  - a',
    '  -   b # comment',
    '  - - nested',
    '    - items',
    '  - key: value',
    '    other:',
    '    - deep',
    '  -',
    '    late: 1',
    '  - ',
    '  x-plain: this is a long',
    '    plain scalar',
    '',
    '    over lines',
    '  x-empty: {}',
    '  x-empty-list: []',
    '  x-flow: {a: 1, b: [2, 3]}',
    '  x-escaped: "tab\\there \\x41"',
    '  "quoted key": 1',
    '  "escaped \\x41 key": 2',
    '  x-complex-value:',
    '    ? complex',
    '    : value',
    'paths: {}',
  ].join('\n');
  const got = readBlockYaml(text);
  assert.notEqual(got, NOT_BLOCK_YAML);
  assert.ok(same(got, jsYaml(text)), JSON.stringify(got));
});

test('what the reader leaves to js-yaml whole: aliases, duplicate keys, tabs for indentation, a second document, directives', () => {
  for (const text of [
    'a: &x 1\nb: *x\n',
    'a: 1\na: 2\n',
    'a:\n\tb: 1\n',
    'a: 1\n---\nb: 2\n',
    'a: 1\n...\n',
    '- a\n- b\n',
    'just a scalar\n',
    'a: 1\n b: 2\n',
    'a: 1\n? complex\n: value\n',
    '&anchor a: 1\n',
  ]) assert.equal(readBlockYaml(text), NOT_BLOCK_YAML, text);
  // And parseSpecText still says what is wrong, with the position, through the same path as before.
  assert.throws(() => parseSpecText('t.yaml', 'openapi: 3.0.0\nopenapi: 3.1.0\n'), /invalid YAML/);
  assert.deepEqual(parseSpecText('t.yaml', 'openapi: 3.0.0\na: &x [1]\nb: *x\n').api, { openapi: '3.0.0', a: [1], b: [1] });
});

test('a document with many nodes js-yaml must read goes to js-yaml whole (each handed-over node costs a call)', () => {
  const oneInFive = 'openapi: 3.0.0\nx:\n' + Array.from({ length: 20_000 }, (_, i) => (i % 5 ? `- item ${i}\n` : `- !!str ${i}\n`)).join('');
  assert.equal(readBlockYaml(oneInFive), NOT_BLOCK_YAML);
  const someBlockScalars = 'openapi: 3.0.0\n' + Array.from({ length: 9000 }, (_, i) => (i % 50 ? `k${i}: plain ${i}\n` : `k${i}: |\n  text ${i}\n`)).join('');
  const read = readBlockYaml(someBlockScalars);
  assert.notEqual(read, NOT_BLOCK_YAML);
  assert.ok(same(read, jsYaml(someBlockScalars)));
});

test('nesting near js-yaml\'s depth limit: the reader gives js-yaml\'s value or steps aside, never reads what js-yaml refuses', () => {
  for (const depth of [940, 960, 990, 998, 999, 1000, 1001]) {
    const maps = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + `\n${' '.repeat(depth)}v: 1\n`;
    const seqs = 'a:\n' + Array.from({ length: depth }, (_, i) => `${' '.repeat(i * 2)}-`).join('\n') + `\n${' '.repeat(depth * 2)}x\n`;
    const escaped = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + `\n${' '.repeat(depth)}v: "\\x41"\n`;
    for (const text of [maps, seqs, escaped]) {
      const expected = jsYaml(text);
      const got = readBlockYaml(text);
      if (expected === ERR) assert.equal(got, NOT_BLOCK_YAML, `depth ${depth}`);
      // (JSON text compares these deep, plain values with their key order; isDeepStrictEqual's recursion would overflow.)
      else if (got !== NOT_BLOCK_YAML) assert.equal(JSON.stringify(got), JSON.stringify(expected), `depth ${depth}`);
    }
  }
});
