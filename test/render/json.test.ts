import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson, reportJsonSchema } from '../../src/render/json.js';
import { ReportSchema } from '../../src/pipeline/report.js';
import { catalogue } from '../../src/registry.js';
import { labReports, encodings, type LabReport } from '../helpers/lab-reports.js';

let runs: LabReport[] = [];
before(async () => {
  runs = await labReports();
});

test('the --json document parses back against the exported schema and keeps the verdict the run gave', () => {
  assert.ok(runs.length >= 5);
  for (const { scenario, report } of runs) {
    const doc = JSON.parse(renderJson(report));
    const parsed = ReportSchema.safeParse(doc);
    assert.ok(parsed.success, `${scenario.id}: ${JSON.stringify(parsed.error?.issues.slice(0, 2))}`);
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.verdict.cause, scenario.expect.cause, scenario.id);
    assert.equal(doc.verdict.family, scenario.expect.family, scenario.id);
    assert.deepEqual(doc.findings.map((f: { id: string }) => f.id), report.findings.map((f) => f.id), scenario.id);
  }
});

test('no saved header secret appears in the JSON, in any encoding; header names stay with a described value', () => {
  const withSecrets = runs.filter((r) => r.secrets.length);
  assert.ok(withSecrets.length >= 3);
  for (const { scenario, report, secrets } of withSecrets) {
    const json = renderJson(report);
    for (const s of secrets) for (const enc of encodings(s)) assert.ok(!json.includes(enc), `${scenario.id}: secret leaked`);
    const doc = JSON.parse(json);
    assert.ok('Authorization' in doc.input.headers || 'authorization' in doc.input.headers, `${scenario.id}: header name lost`);
  }
});

test('a report that breaks its own schema is refused instead of printed (the contract cannot drift silently)', () => {
  const report = runs[0]!.report;
  assert.throws(() => renderJson({ ...report, schemaVersion: 3 as 2 }));
  assert.throws(() => renderJson({ ...report, verdict: { ...report.verdict, family: 9 as 1 } }));
});

test('the JSON Schema names every catalogue cause as an example for verdict.cause and finding ids', () => {
  const ids = catalogue().map((c) => c.id);
  assert.ok(ids.length > 10);
  const schema = reportJsonSchema(ids) as { properties: Record<string, any> };
  const cause = schema.properties['verdict'].properties['cause'];
  assert.deepEqual(cause.examples, ['none', ...ids]);
  for (const id of ids) assert.ok(cause.description.includes(id), id);
  assert.deepEqual(schema.properties['findings'].items.properties['id'].examples, ids);
  assert.ok(!('enum' in cause), 'cause ids are examples, not an enum: new causes need no schema version');
  const bare = reportJsonSchema() as { properties: Record<string, any> };
  assert.equal(bare.properties['verdict'].properties['cause'].examples, undefined);
});
