// Runs every test/**/*.test.ts through node:test with tsx, on the Node that runs this script (process.execPath): `npm test`
// uses the pinned one, .ci/run calls each supported Node by path.
// Refuses an unsupported Node in one line instead of 90 confusing failures. MIN must equal package.json engines (a test checks).
const MIN = [22, 19];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MIN[0] || (major === MIN[0] && minor < MIN[1])) {
  process.stderr.write(`action-debug tests: needs Node.js >= ${MIN.join('.')} (22, 24 or 26); this is ${process.version} at ${process.execPath}: run npm test (it uses the Node that npm ci pinned)\n`);
  process.exit(2);
}
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}
const filter = process.argv.slice(2);
const files = walk('test').sort().filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
// A test that hangs fails after 4 minutes instead of holding the whole run (and CI) until it is killed; a test that
// needs longer says so with its own { timeout }.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
