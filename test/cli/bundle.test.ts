import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab } from '../../src/lab/index.js';
import { ReportSchema } from '../../src/pipeline/report.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { demoDataset, startFakeOpenCx } from '../../src/fakes/opencx/server.js';
import { runNode } from '../helpers/run-cli.js';

// `npx action-debug` runs the esbuild bundle (scripts/bundle-cli.mjs, with its lean undici), not the sources the other
// tests run through tsx. Built fresh here (never a stale dist/), inside the project so its packages resolve, then held
// to the same verdicts as the sources on lab endpoints of several families, with the same exit codes.
const CASES = ['healthy', 'waf-opencx-headers', 'auth-bearer-missing', 'tls-expired', 'redirect', 'rate-limited'];

test('the bundled CLI gives the same verdicts and exit codes as the sources', async () => {
  mkdirSync('node_modules/.cache', { recursive: true });
  const out = mkdtempSync(join(resolve('node_modules/.cache'), 'ad-bundle-'));
  const lab = await startLab({ only: CASES });
  try {
    const built = spawnSync(process.execPath, ['scripts/bundle-cli.mjs', out], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const env = { NODE_EXTRA_CA_CERTS: lab.caFile(mkdtempSync(join(tmpdir(), 'ad-bundle-ca-'))), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv(), NODE_DISABLE_COMPILE_CACHE: '1' };
    for (const s of lab.scenarios) {
      const args = ['diagnose', '--json', '--quiet', '--endpoint', s.url, '--method', s.method, ...s.headers.flatMap((h) => ['--header', h]), ...(s.timeoutMs ? ['--timeout', String(s.timeoutMs / 1000)] : [])];
      const [bundled, source] = await Promise.all([runNode([join(out, 'main.js'), ...args], env), runNode(['--import', 'tsx', 'src/cli/main.ts', ...args], env)]);
      assert.equal(bundled.signal, null, `${s.id}: bundle killed by ${bundled.signal}`);
      assert.equal(bundled.code, source.code, `${s.id}: exit ${bundled.code} vs ${source.code}\n${bundled.stderr}`);
      const b = ReportSchema.parse(JSON.parse(bundled.stdout));
      const src = ReportSchema.parse(JSON.parse(source.stdout));
      assert.equal(b.verdict.cause, s.expect.cause, `${s.id}: the bundle found ${b.verdict.cause}`);
      assert.deepEqual([b.verdict.family, b.verdict.cause], [src.verdict.family, src.verdict.cause], s.id);
      assert.deepEqual(b.probes.map((p) => [p.id, p.status]), src.probes.map((p) => [p.id, p.status]), s.id);
    }
    // What a diagnosis without a spec evaluates, read from V8's own coverage of the bundled run (every module of the
    // bundle sits in a wrapper named for its path, evaluated on first use): the probes and the pipeline, but neither the
    // YAML and OpenAPI reader (loaded when a spec is given) nor pino; undici (the OpenCX client loads it on its first
    // call) is not even read; and no built-in is taken through its ESM view (node:http's would load Node's whole fetch).
    const healthy = lab.scenarios.find((s) => s.id === 'healthy')!;
    const covDir = mkdtempSync(join(tmpdir(), 'ad-bundle-cov-'));
    const loadList = join(covDir, 'loaded.txt');
    const preload = join(covDir, 'loaded.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadList)}, process.moduleLoadList.join('\\n')));`);
    const healthyArgs = ['diagnose', '--json', '--quiet', '--endpoint', healthy.url, ...healthy.headers.flatMap((h) => ['--header', h])];
    const covered = await runNode(['--require', preload, join(out, 'main.js'), ...healthyArgs], { ...env, NODE_V8_COVERAGE: covDir });
    assert.equal(covered.code, 0, covered.stderr);
    const scripts = readdirSync(covDir).filter((f) => f.startsWith('coverage-')).flatMap((f) =>
      (JSON.parse(readFileSync(join(covDir, f), 'utf8')) as { result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[] }).result);
    const bundle = scripts.find((s) => /\/cli-[^/]+\.cjs$/.test(s.url));
    assert.ok(bundle, 'the coverage holds the bundle');
    const evaluated = new Set(bundle.functions.filter((f) => /^(src|node_modules)\//.test(f.functionName) && f.ranges[0]!.count > 0).map((f) => f.functionName));
    for (const m of ['src/cli/diagnose-command.ts', 'src/probes/dns.ts', 'src/probes/tls.ts', 'src/pipeline/run.ts', 'node_modules/zod/v4/core/core.js']) assert.ok(evaluated.has(m), `${m} was not evaluated`);
    // Without a key the OpenCX client is made for nothing: its answers' schemas are built on its first call.
    const unwanted = [...evaluated].filter((m) => /^node_modules\/(yaml|js-yaml|pino|undici)\/|^src\/openapi\/(load|run-check)\.ts$|^src\/(store|audit)\/|^src\/opencx\/schemas\.ts$/.test(m));
    assert.deepEqual(unwanted, [], 'a diagnosis without a spec or a key evaluated these');
    assert.ok(!scripts.some((s) => s.url.endsWith('/undici.cjs')), 'a diagnosis without a key read undici');
    const loaded = readFileSync(loadList, 'utf8').split('\n');
    assert.ok(loaded.includes('NativeModule tls'), 'the module list is read after the probes ran');
    assert.deepEqual(loaded.filter((m) => /internal\/deps\/undici|internal\/fetch/.test(m)), [], 'Node\'s internal fetch was loaded');
    const cliText = readFileSync(join(out, readdirSync(out).find((f) => /^cli-.*\.cjs$/.test(f))!), 'utf8');
    assert.match(cliText, /YAMLParseError/, 'the YAML reader is still bundled, for the spec probe and `spec`');
    assert.doesNotMatch(cliText, /llhttp/, 'undici stays in its own file');
    // zod taken as `import * as z from 'zod'` and never through import(): esbuild then drops what zod's API has that we do
    // not use, instead of building getter tables for all of it (`z`, `z.core`) at every start.
    assert.doesNotMatch(cliText, /\b(external|zod|core)_exports\d* = \{\}/, 'the bundle builds zod\'s namespace objects: import zod as `import * as z from \'zod\'`, statically');
    rmSync(covDir, { recursive: true, force: true });
    // The text output (the default) checks nothing against the report's schema: neither it nor the --json renderer is built.
    const textCovDir = mkdtempSync(join(tmpdir(), 'ad-bundle-cov-'));
    const textRun = await runNode([join(out, 'main.js'), ...healthyArgs.filter((a) => a !== '--json')], { ...env, NODE_V8_COVERAGE: textCovDir });
    assert.equal(textRun.code, 0, textRun.stderr);
    assert.match(textRun.stdout, /No problem found/);
    const textBundle = readdirSync(textCovDir).filter((f) => f.startsWith('coverage-')).flatMap((f) =>
      (JSON.parse(readFileSync(join(textCovDir, f), 'utf8')) as { result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[] }).result)
      .find((s) => /\/cli-[^/]+\.cjs$/.test(s.url));
    assert.ok(textBundle, 'the coverage of the text run holds the bundle');
    const textEvaluated = new Set(textBundle.functions.filter((f) => /^(src|node_modules)\//.test(f.functionName) && f.ranges[0]!.count > 0).map((f) => f.functionName));
    assert.ok(textEvaluated.has('src/render/text.ts'), 'the text renderer was not evaluated');
    assert.deepEqual(['src/render/json.ts', 'src/pipeline/report.ts'].filter((m) => textEvaluated.has(m)), [], 'a text diagnosis built the --json schema');
    rmSync(textCovDir, { recursive: true, force: true });

    // The OpenCX API client loads undici on its first call (the bundle's lean part of it): with a key, the OpenCX probes
    // ask the fake OpenCX API and the bundle agrees with the sources.
    const fake = await startFakeOpenCx({ data: demoDataset({ order: healthy.url }) });
    try {
      const withKey = { ...env, OPENCX_API_KEY: fake.key, OPENCX_API_URL: fake.url };
      const args = ['diagnose', '--json', '--quiet', '--endpoint', healthy.url, ...healthy.headers.flatMap((h) => ['--header', h]), '--action', 'Look up order', '--session', 'ses_web'];
      const [bundled, source] = await Promise.all([runNode([join(out, 'main.js'), ...args], withKey), runNode(['--import', 'tsx', 'src/cli/main.ts', ...args], withKey)]);
      assert.equal(bundled.code, source.code, bundled.stderr);
      const b = ReportSchema.parse(JSON.parse(bundled.stdout));
      const src = ReportSchema.parse(JSON.parse(source.stdout));
      const opencx = b.probes.filter((p) => p.id.startsWith('opencx-'));
      assert.ok(opencx.length > 0 && opencx.every((p) => p.status === 'passed' || p.status === 'failed'), JSON.stringify(opencx.map((p) => [p.id, p.status])));
      assert.deepEqual(b.probes.map((p) => [p.id, p.status]), src.probes.map((p) => [p.id, p.status]));
      assert.deepEqual([b.verdict.family, b.verdict.cause], [src.verdict.family, src.verdict.cause]);
    } finally {
      await fake.close();
    }

    const help = await runNode([join(out, 'main.js'), 'catalogue', '--json'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.ok((JSON.parse(help.stdout) as unknown[]).length > 50);
    // better-sqlite3 stays a package (a native addon): the bundle must still find it, and the spec reader its validator.
    const dbPath = join(out, 'app.db');
    await new SqliteStore(dbPath).close();
    const ticket = await runNode([join(out, 'main.js'), 'ticket', '1'], { ...env, DATABASE_PATH: dbPath });
    assert.equal(ticket.signal, null);
    assert.equal(ticket.code, 2, ticket.stderr);
    assert.match(ticket.stderr, /there is no ticket #1/);
    const spec = await runNode([join(out, 'main.js'), 'spec', 'test/openapi/fixtures/orders.yaml', '--json'], env);
    const specSource = await runNode(['--import', 'tsx', 'src/cli/main.ts', 'spec', 'test/openapi/fixtures/orders.yaml', '--json'], env);
    assert.equal(spec.code, specSource.code, spec.stderr);
    assert.deepEqual(JSON.parse(spec.stdout), JSON.parse(specSource.stdout));
  } finally {
    await lab.close();
    rmSync(out, { recursive: true, force: true });
  }
});
