import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parseSpecText, SpecParseError, MAX_SPEC_BYTES } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';
import { fixSpec } from '../../src/openapi/fix.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ad-spec-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('unparseable YAML and JSON: the line and column of the error', () => {
  const y = (() => { try { parseSpecText('x.yaml', 'openapi: 3.0.0\ninfo:\n  title: [unclosed\n'); } catch (e) { return e as SpecParseError; } })();
  assert.ok(y instanceof SpecParseError);
  assert.ok(y.line! >= 3, `line ${y.line}`);
  const j = (() => { try { parseSpecText('x.json', '{\n  "openapi": "3.0.0",\n  "info": }\n'); } catch (e) { return e as SpecParseError; } })();
  assert.equal(j?.line, 3);
  // A byte order mark before JSON is read past (as before YAML), and an error after it is placed as without it.
  assert.equal(parseSpecText('bom.json', '\ufeff{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}').api['openapi'], '3.0.3');
  const b = (() => { try { parseSpecText('x.json', '\ufeff{\n  "openapi": "3.0.0",\n  "info": }\n'); } catch (e) { return e as SpecParseError; } })();
  assert.equal(b?.line, 3);
});

test('malformed parts a check meets (a null parameter): reported as invalid structure, never a crash', () => {
  const api = { openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://api.example.com' }], paths: { '/a': { parameters: [null], get: { operationId: 'getThing', parameters: [null, 7], responses: { '200': { description: 'ok' } } } } } };
  const report = checkSpec(parseSpecText('null.json', JSON.stringify(api)));
  assert.ok(report.issues.some((i) => i.cause.id === 'spec-invalid-structure'), report.issues.map((i) => i.cause.id).join(', '));
});

test('an empty file, a non-spec and a YAML alias bomb are refused quickly and clearly', () => {
  assert.throws(() => parseSpecText('x', ''), /empty/);
  assert.throws(() => parseSpecText('x', 'name: my-package\nversion: 1.0.0\n'), /not an OpenAPI document/);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'openapi: 3.0.0'].join('\n');
  const t0 = performance.now();
  assert.throws(() => parseSpecText('bomb.yaml', bomb), /aliases|Excessive alias count/i);
  assert.ok(performance.now() - t0 < 2000);
});

test('the CLI: exit 2 with one line for bad input (oversize, missing, http, private URL), never a stack trace', async () => {
  const big = join(dir, 'big.json');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, MAX_SPEC_BYTES + 1);
  closeSync(fd);
  const cases: [string[], RegExp][] = [
    [['spec', big], /are refused/],
    [['spec', join(dir, 'nope.yaml')], /no such file/],
    [['spec', file('empty.yaml', '')], /failed_to_parse_spec.*empty/],
    [['spec', file('bad.yaml', 'openapi: 3.0.0\npaths: {\n')], /failed_to_parse_spec.*line \d+, column \d+/],
    [['spec', 'http://api.example.test/openapi.json'], /only https/],
    [['spec', 'https://10.1.2.3/openapi.json'], /private network/],
    [['spec'], /give one spec file/],
    [['spec', 'x.yaml', '--profile', 'llama'], /--profile must be one of/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
  });
});

test('--fix flattens oneOf, cuts the cycle, maps types, keeps the rest (comments too), and re-checks clean', async () => {
  const src = readFileSync('test/openapi/fixtures/orders.yaml', 'utf8');
  const spec = parseSpecText('orders.yaml', src);
  const before = checkSpec(spec).issues.filter((i) => i.cause.severity === 'error');
  assert.ok(before.length >= 4);
  const fixed = fixSpec(spec);
  const after = checkSpec(parseSpecText('fixed.yaml', fixed.text)).issues.filter((i) => i.cause.severity === 'error' && i.cause.id !== 'spec-short-name');
  assert.deepEqual(after.map((i) => `${i.cause.id} ${i.pointer}`), []);
  assert.match(fixed.text, /# Acme orders API/);
  assert.match(fixed.text, /url: https:\/\/api\.acme\.test\/v1 +# production/);
  assert.match(fixed.text, /One of: Card \| BankTransfer\./);
  assert.match(fixed.text, /circular reference cut by action-debug/);
  assert.match(fixed.text, /format: date/);
  // Unchanged operations are byte-for-byte the same.
  const getOrder = (t: string) => t.slice(t.indexOf('  /orders/{id}:'), t.indexOf('  /orders:'));
  assert.equal(getOrder(fixed.text), getOrder(src));
  await SwaggerParser.validate(parseSpecText('fixed.yaml', fixed.text).api as never);
});

test('the CLI tells a document-level error apart from failing operations', async () => {
  const noServer = file('no-server.json', JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {} }));
  const r = await runCli(['spec', noServer]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /✗ The document itself would fail the OpenCX import/);
  assert.doesNotMatch(r.stdout, /operation\(s\) would fail|Every operation imports/);
});

test('the CLI writes the fix and exits 1 before, 0 after', async () => {
  const out = join(dir, 'fixed.yaml');
  const noShort = file('orders2.yaml', readFileSync('test/openapi/fixtures/orders.yaml', 'utf8').replace('operationId: ping', 'operationId: pingService'));
  const r = await runCli(['spec', noShort, '--fix', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /POST \/orders \(createOrder\)/);
  assert.match(r.stdout, /\[spec-circular-ref\] cycle Category → Category/);
  assert.match(r.stdout, /import errors left: 0/);
  const again = await runCli(['spec', out, '--json']);
  assert.equal(again.code, 0, again.stdout);
  assert.equal(JSON.parse(again.stdout).importable, true);
});

test('the CLI\'s --json: a big report (written in pieces) and a small one (indented) are the same JSON of the same report', async () => {
  // 1,300 operations each reaching one shared oneOf and carrying its own findings (short name, vague description):
  // over 5,000 issues takes the piecewise path; the first 20 operations alone take the indented one.
  const spec = (n: number) => ({
    openapi: '3.0.3', info: { title: 'big', version: '1' }, servers: [{ url: 'https://api.example.test' }],
    paths: Object.fromEntries(Array.from({ length: n }, (_, i) => [`/r${i}`, {
      post: { operationId: `p${i}`, description: 'x', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/S' } } } }, responses: { '200': { description: 'ok' } } },
      put: { operationId: `q${i}`, description: 'y', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { a: { type: 'date' } } } } } }, responses: { '200': { description: 'ok' } } },
    }])),
    components: { schemas: { S: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } },
  });
  for (const n of [1300, 20]) {
    const path = file(`big-${n}.json`, JSON.stringify(spec(n)));
    const r = await runCli(['spec', path, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(/\n {2}"issues"/.test(r.stdout), n === 20, 'indented only when small');
    const out = JSON.parse(r.stdout);
    const report = checkSpec(parseSpecText(path, readFileSync(path, 'utf8')));
    assert.ok(n === 20 || report.issues.length > 5000, `${report.issues.length} issues`);
    assert.equal(out.issues.length, report.issues.length);
    assert.equal(out.issues.filter((i: { component?: string }) => i.component === '#/components/schemas/S').length, 1, 'the shared oneOf once');
    assert.equal(Object.keys(out.reaches).length, n);
    assert.deepEqual(out.reaches['POST /r7 (p7)'], ['#/components/schemas/S']);
    assert.deepEqual([out.operations, out.importable, out.fix], [2 * n, false, null]);
  }
});
