import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// The README promises two commands; CI runs the same ones. Keep them wired.
test('package.json wires npm test, npm run demo and the bin', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.scripts.test, 'node scripts/run-tests.mjs');
  assert.match(pkg.scripts.demo, /src\/demo\/main\.ts/);
  assert.equal(pkg.bin['action-debug'], 'bin/action-debug.js');
  assert.equal(pkg.scripts.start, 'node bin/start.js');
  assert.equal(pkg.engines.node, '>=22.19');
});
