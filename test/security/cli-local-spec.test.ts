import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, truncateSync, openSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { MAX_SPEC_BYTES } from '../../src/openapi/load.js';

// Issue 17.1 (CLI): a local spec is read only if it is a regular file under the size limit; errors never quote it.

const dir = mkdtempSync(join(tmpdir(), 'ad-local-spec-'));
const fifo = join(dir, 'spec.fifo');
execFileSync('mkfifo', [fifo]);
const huge = join(dir, 'huge.json');
writeFileSync(huge, '');
// One MB over the limit the checker keeps (src/openapi/load.ts), sparse: large on paper, nothing on disk.
const LIMIT_MB = MAX_SPEC_BYTES / 1024 / 1024;
truncateSync(huge, MAX_SPEC_BYTES + 1024 * 1024);
const MARKER = 'root:x:0:0:MARKER-b71c';
const secretJson = join(dir, 'passwd.json');
writeFileSync(secretJson, `{"openapi": ${MARKER}}`);
const secretYaml = join(dir, 'shadow.yaml');
writeFileSync(secretYaml, `openapi: 3.0.0\npaths: [${MARKER}\n  x: "${MARKER}`);
const aliasYaml = join(dir, 'alias.yaml');
writeFileSync(aliasYaml, `openapi: *${MARKER.replace(/:/g, '')}\n`);

/** Nobody has the FIFO open for reading: a writer opening it non-blocking gets ENXIO. */
function fifoHasNoReader(): boolean {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENXIO';
  }
}

test('`action-debug spec` refuses a FIFO, /dev/zero, a directory and an oversized file at once, exit 2, one line', async () => {
  const cases: [string, RegExp][] = [
    [fifo, /not a regular file \(a pipe\)/],
    ['/dev/zero', /not a regular file \(a device\)/],
    [dir, /not a regular file \(a directory\)/],
    [huge, new RegExp(`is ${LIMIT_MB + 1} MB; specs above ${LIMIT_MB} MB are refused`)],
  ];
  const runs = await Promise.all(cases.map(([path]) => runCli(['spec', path], {}, 15_000)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i]![0]}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
  assert.ok(fifoHasNoReader(), 'the FIFO is not held open');
});

test('`action-debug diagnose --spec <fifo|/dev/zero>` finishes and says why; nothing hangs', async () => {
  for (const spec of [fifo, '/dev/zero']) {
    const r = await runCli(['diagnose', '--endpoint', 'https://127.0.0.1:9/x', '--spec', spec, '--json', '--quiet', '--timeout', '1'], {}, 20_000);
    const report = JSON.parse(r.stdout) as { probes: { id: string; status: string; summary: string }[] };
    const probe = report.probes.find((p) => p.id === 'spec-import')!;
    assert.equal(probe.status, 'error', spec);
    assert.match(probe.summary, /not a regular file/);
  }
});

test('parse errors say where and what kind, never a fragment of the file', async () => {
  for (const path of [secretJson, secretYaml, aliasYaml]) {
    const r = await runCli(['spec', path], {}, 15_000);
    assert.notEqual(r.code, 0, r.stdout);
    assert.ok(!(r.stdout + r.stderr).includes('MARKER'), `${path}: ${r.stdout}${r.stderr}`);
    assert.ok(!(r.stdout + r.stderr).includes('root:x'), `${path}: ${r.stdout}${r.stderr}`);
  }
});
