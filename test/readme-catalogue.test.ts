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
