import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { createHash } from 'node:crypto';
import { startLab } from '../../src/lab/index.js';
import { ReportSchema } from '../../src/pipeline/report.js';
import { runNode } from '../helpers/run-cli.js';

// The bundled CLI's loader (scripts/cli-loader.mjs) keeps a V8 code cache per command, made after the command ran, in
// Node's compile cache folder. What must hold: the first run writes it, later runs use it as it is (not rewritten), a
// corrupt or foreign cache is never trusted (V8 rejects it, the run compiles from source, gives the same verdict and
// writes a good one), and NODE_DISABLE_COMPILE_CACHE=1 writes nothing.

/** Every file of ours in the compile cache folder (Node's own entries sit beside them, under hashed names). */
function ours(cacheRoot: string): string[] {
  return readdirSync(cacheRoot, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)action-debug-cli-[^/]+$/.test(f)).map((f) => join(cacheRoot, f));
}

test('the bundled CLI writes its code cache once, reuses it, and never trusts a corrupt one', async () => {
  mkdirSync('node_modules/.cache', { recursive: true });
  const out = mkdtempSync(join(resolve('node_modules/.cache'), 'ad-cc-'));
  const lab = await startLab({ only: ['healthy', 'auth-bearer-missing'] });
  try {
    const built = spawnSync(process.execPath, ['scripts/bundle-cli.mjs', out], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const cacheRoot = join(out, 'compile-cache');
    const env = { NODE_EXTRA_CA_CERTS: lab.caFile(mkdtempSync(join(tmpdir(), 'ad-cc-ca-'))), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv(), NODE_COMPILE_CACHE: cacheRoot };
    const diagnose = async (id: string, extra: NodeJS.ProcessEnv = {}) => {
      const s = lab.scenarios.find((x) => x.id === id)!;
      const r = await runNode([join(out, 'main.js'), 'diagnose', '--json', '--quiet', '--endpoint', s.url, '--method', s.method, ...s.headers.flatMap((h) => ['--header', h])], { ...env, ...extra });
      assert.equal(r.signal, null);
      const report = ReportSchema.parse(JSON.parse(r.stdout));
      assert.equal(report.verdict.cause, s.expect.cause, `${id}: ${r.stderr}`);
      return { code: r.code, probes: report.probes.map((p) => [p.id, p.status]) };
    };

    const first = await diagnose('healthy');
    assert.equal(first.code, 0);
    const files = ours(cacheRoot);
    assert.equal(files.length, 1, `one cache, for diagnose: ${files.join(', ')}`);
    assert.match(files[0]!, /-diagnose$/);
    const written = statSync(files[0]!);
    assert.ok(written.size > 10_000, `a cache of ${written.size} bytes`);

    // Used as it is by later runs, whatever they find (another scenario takes other paths through the same code).
    for (const id of ['healthy', 'auth-bearer-missing']) await diagnose(id);
    const after = statSync(files[0]!);
    assert.deepEqual([after.ino, after.mtimeMs], [written.ino, written.mtimeMs], 'an accepted cache is not rewritten');
    assert.deepEqual((await diagnose('healthy')).probes, first.probes);

    // Another command gets a cache of its own.
    const catalogue = await runNode([join(out, 'main.js'), 'catalogue', '--json'], env);
    assert.equal(catalogue.code, 0, catalogue.stderr);
    assert.equal(ours(cacheRoot).length, 2);

    // Garbage, a valid cache made for other code (bare, or framed with a correct digest, which V8 then rejects), and the
    // real cache with bytes flipped (V8 would run it: damaged bytecode crashed the process) are never used: same verdict,
    // and a good cache written over each.
    const good = readFileSync(files[0]!);
    const foreign = new Script('globalThis.x = 1').createCachedData();
    const framed = Buffer.concat([createHash('sha256').update(foreign).digest(), foreign]);
    const flipped = (seed: number) => {
      const b = Buffer.from(good);
      for (let i = 0; i < 8; i++) {
        const at = 32 + ((seed * 7919 + i * 104_729) % (b.length - 32));
        b[at] = b[at]! ^ 0xff;
      }
      return b;
    };
    for (const bad of [Buffer.from('not a code cache'), foreign, framed, flipped(1), flipped(2), flipped(3)]) {
      writeFileSync(files[0]!, bad);
      const again = await diagnose('healthy');
      assert.deepEqual(again, first);
      const rebuilt = readFileSync(files[0]!);
      assert.ok(rebuilt.length > 10_000 && !rebuilt.equals(bad), 'the rejected cache was replaced');
    }

    // NODE_DISABLE_COMPILE_CACHE=1 turns ours off with Node's.
    const offRoot = join(out, 'off-cache');
    await diagnose('healthy', { NODE_COMPILE_CACHE: offRoot, NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.deepEqual(existsSync(offRoot) ? ours(offRoot) : [], []);
  } finally {
    await lab.close();
    rmSync(out, { recursive: true, force: true });
  }
});
