import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specImportProbe, pathMatches } from '../../src/probes/spec-import.js';
import { checkSpecText } from '../../src/openapi/run-check.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import type { ProbeContext } from '../../src/pipeline/probe.js';

type Ev = Parameters<typeof specImportProbe.assess>[0];
const CLEAN = `openapi: 3.0.3
info: { title: Shop, version: "1" }
servers: [{ url: https://api.acme.test/v1 }]
paths:
  /orders/{id}:
    get:
      operationId: getOrder
      description: Look up an order by ID and return its status and tracking number
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { "200": { description: ok } }
`;
const FLAWED = readFileSync(new URL('../openapi/fixtures/orders.yaml', import.meta.url), 'utf8');
const report = (text: string) => checkSpecText('shop.yaml', text).report;
const input = parseDiagnosisInput({ endpoint: 'https://api.acme.test/v1/orders/{id}', spec: 'shop.yaml' });

test('a path template matches concrete paths, also under a server base path, and nothing longer', () => {
  assert.ok(pathMatches('/orders/{id}', '/orders/42'));
  assert.ok(pathMatches('/orders/{id}', '/v1/orders/42'));
  assert.ok(pathMatches('/orders/{id}', '/orders/42/'));
  assert.ok(!pathMatches('/orders/{id}', '/orders/42/items'));
  assert.ok(!pathMatches('/orders/{id}', '/orders'));
  assert.ok(!pathMatches('/orders.json', '/ordersXjson'), 'dots are literal');
});

test('a clean spec whose operation matches the endpoint finds nothing', () => {
  const ev: Ev = { exchanges: [], report: report(CLEAN), matched: 'GET /orders/{id}' };
  assert.equal(ev.report.issues.length, 0, JSON.stringify(ev.report.issues));
  assert.deepEqual(specImportProbe.assess(ev, input), []);
});

test('an endpoint that is not an operation of the spec is a family-1 warning naming method, path and operation count', () => {
  const fs = specImportProbe.assess({ exchanges: [], report: report(CLEAN), matched: null }, input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['spec-endpoint-not-in-spec:1:warning']);
  assert.deepEqual(fs[0]!.evidence, ['GET /v1/orders/{id} is not among the 1 operations']);
});

test('what the spec check finds becomes findings of the declared causes (their own family), each with evidence', () => {
  const r = report(FLAWED);
  assert.ok(r.issues.length > 0);
  const fs = specImportProbe.assess({ exchanges: [], report: r, matched: 'GET /orders/{id}' }, input);
  assert.ok(fs.some((f) => f.family === 1), 'importer rejections are family 1');
  for (const f of fs) {
    const cause = specImportProbe.causes.find((c) => c.id === f.id);
    assert.ok(cause, `${f.id} is not a declared cause`);
    assert.equal(f.family, cause.family, f.id);
    assert.ok(f.evidence.length > 0, `${f.id} without evidence`);
  }
});

const ctx = (spec: string, services: Record<string, unknown> = {}, endpoint = 'https://api.acme.test/v1/orders/{id}') =>
  ({ input: parseDiagnosisInput({ endpoint, spec }), net: NetOptionsSchema.parse({}), signal: new AbortController().signal, baseline: new Promise(() => {}), services }) as unknown as ProbeContext;

test('real gather: a spec file is read, checked, and matched to the endpoint; files are refused where local reads are off', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'spec-import-')), 'shop.yaml');
  writeFileSync(file, CLEAN);
  const hit = await specImportProbe.gather(ctx(file));
  assert.equal(hit.matched, 'GET /orders/{id} (getOrder)');
  assert.equal(hit.facts?.['operations'], 1);
  assert.deepEqual(specImportProbe.assess(hit, parseDiagnosisInput({ endpoint: 'https://api.acme.test/v1/orders/{id}', spec: file })), []);
  const miss = await specImportProbe.gather(ctx(file, {}, 'https://api.acme.test/v1/refunds'));
  assert.equal(miss.matched, null);
  await assert.rejects(specImportProbe.gather(ctx(file, { localSpecFiles: false })), /files on this server are not read here/);
  await assert.rejects(specImportProbe.gather(ctx('slack-file:F123', { uploadedSpecs: { get: () => undefined } })), /is no longer .*share the file again/);
  const uploaded = await specImportProbe.gather(ctx('slack-file:F123', { uploadedSpecs: { get: (k: string) => (k === 'slack-file:F123' ? CLEAN : undefined) } }));
  assert.equal(uploaded.matched, 'GET /orders/{id} (getOrder)');
});

test('skipped, with the reason, when no spec is given', () => {
  assert.match(specImportProbe.skip!(parseDiagnosisInput({ endpoint: 'https://api.acme.test/x' }), {}) ?? '', /^no spec given/);
  assert.equal(specImportProbe.skip!(input, {}), null);
});
