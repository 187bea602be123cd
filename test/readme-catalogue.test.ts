import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readmeWithCatalogue } from '../scripts/update-readme.js';
import { catalogue } from '../src/registry.js';
import { FAMILIES } from '../src/pipeline/finding.js';

test('the README catalogue is the one the code declares (run scripts/update-readme.ts after adding a cause)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, readmeWithCatalogue(readme));
});

test('every cause has a unique id, a family 1-5, a meaning and a fix', () => {
  const causes = catalogue();
  assert.equal(new Set(causes.map((c) => c.id)).size, causes.length);
  for (const c of causes) {
    assert.ok(c.family in FAMILIES, c.id);
    assert.match(c.id, /^[a-z0-9-]+$/, c.id);
    assert.ok(c.meaning.length > 20 && c.fix.length > 15, c.id);
  }
});

test('`action-debug schema` lists every cause id the verdict and findings can carry', async () => {
  const { runCli } = await import('./helpers/run-cli.js');
  const r = await runCli(['schema'], {});
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as { properties: { verdict: { properties: { cause: { examples: string[] } } } } };
  const listed = new Set(schema.properties.verdict.properties.cause.examples);
  for (const c of catalogue()) assert.ok(listed.has(c.id), `${c.id} missing from the schema`);
});

test('every follow-up a cause declares names a registered probe that offers a re-check', async () => {
  const { defaultProbes } = await import('../src/registry.js');
  const offered = new Set(defaultProbes.filter((p) => p.recheckLabel).map((p) => p.id));
  for (const c of catalogue()) for (const f of c.followUps ?? []) assert.ok(offered.has(f), `${c.id} → ${f}`);
});
