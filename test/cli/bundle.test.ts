import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab } from '../../src/lab/index.js';
import { ReportSchema } from '../../src/pipeline/report.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { demoDataset, startFakeOpenCx } from '../../src/fakes/opencx/server.js';

// `npx action-debug` runs the esbuild bundle (scripts/bundle-cli.mjs, with its lean undici), not the sources the other
// tests run through tsx. Built fresh here (never a stale dist/), inside the project so its packages resolve, then held
// to the same verdicts as the sources on lab endpoints of several families, with the same exit codes.
const CASES = ['healthy', 'waf-opencx-headers', 'auth-bearer-missing', 'tls-expired', 'redirect', 'rate-limited'];

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => (clearTimeout(timer), res({ code, signal, stdout, stderr })));
  });
}

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
      const [bundled, source] = await Promise.all([run([join(out, 'main.js'), ...args], env), run(['--import', 'tsx', 'src/cli/main.ts', ...args], env)]);
      assert.equal(bundled.signal, null, `${s.id}: bundle killed by ${bundled.signal}`);
      assert.equal(bundled.code, source.code, `${s.id}: exit ${bundled.code} vs ${source.code}\n${bundled.stderr}`);
      const b = ReportSchema.parse(JSON.parse(bundled.stdout));
      const src = ReportSchema.parse(JSON.parse(source.stdout));
      assert.equal(b.verdict.cause, s.expect.cause, `${s.id}: the bundle found ${b.verdict.cause}`);
      assert.deepEqual([b.verdict.family, b.verdict.cause], [src.verdict.family, src.verdict.cause], s.id);
      assert.deepEqual(b.probes.map((p) => [p.id, p.status]), src.probes.map((p) => [p.id, p.status]), s.id);
    }
    // What `diagnose` loads before it can start (its chunk and every chunk it imports statically): neither the YAML and
    // OpenAPI reader (loaded when a spec is given) nor undici (the OpenCX client loads it on its first call), and no
    // built-in through `import` (its ESM view runs lazy getters: node:http's loads Node's whole internal fetch).
    const chunks = join(out, 'chunks');
    const closure = new Set<string>();
    const visit = (file: string) => {
      if (closure.has(file)) return;
      closure.add(file);
      const text = readFileSync(join(chunks, file), 'utf8');
      for (const m of text.matchAll(/^import[^'"]*from\s*["']\.\/([^"']+)["']/gm)) visit(m[1]!);
      assert.doesNotMatch(text, /^import[^'"]*from\s*["']node:/m, `${file} imports a built-in`);
    };
    visit(readdirSync(chunks).find((f) => f.startsWith('diagnose-command-'))!);
    const loaded = [...closure].map((f) => readFileSync(join(chunks, f), 'utf8')).join('\n');
    assert.ok(closure.size > 1 && loaded.includes('Diagnosing'), 'the closure holds the diagnose command');
    assert.doesNotMatch(loaded, /YAMLParseError|llhttp/, 'a diagnosis without a spec loads the YAML reader or undici');
    const specReader = readdirSync(chunks).filter((f) => /YAMLParseError/.test(readFileSync(join(chunks, f), 'utf8')));
    assert.ok(specReader.length > 0, 'the YAML reader is still bundled, for the spec probe and `spec`');

    // The OpenCX API client loads undici on its first call (the bundle's lean part of it): with a key, the OpenCX probes
    // ask the fake OpenCX API and the bundle agrees with the sources.
    const healthy = lab.scenarios.find((s) => s.id === 'healthy')!;
    const fake = await startFakeOpenCx({ data: demoDataset({ order: healthy.url }) });
    try {
      const withKey = { ...env, OPENCX_API_KEY: fake.key, OPENCX_API_URL: fake.url };
      const args = ['diagnose', '--json', '--quiet', '--endpoint', healthy.url, ...healthy.headers.flatMap((h) => ['--header', h]), '--action', 'Look up order', '--session', 'ses_web'];
      const [bundled, source] = await Promise.all([run([join(out, 'main.js'), ...args], withKey), run(['--import', 'tsx', 'src/cli/main.ts', ...args], withKey)]);
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

    const help = await run([join(out, 'main.js'), 'catalogue', '--json'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.ok((JSON.parse(help.stdout) as unknown[]).length > 50);
    // better-sqlite3 stays a package (a native addon): the bundle must still find it, and the spec reader its validator.
    const dbPath = join(out, 'app.db');
    await new SqliteStore(dbPath).close();
    const ticket = await run([join(out, 'main.js'), 'ticket', '1'], { ...env, DATABASE_PATH: dbPath });
    assert.equal(ticket.signal, null);
    assert.equal(ticket.code, 2, ticket.stderr);
    assert.match(ticket.stderr, /there is no ticket #1/);
    const spec = await run([join(out, 'main.js'), 'spec', 'test/openapi/fixtures/orders.yaml', '--json'], env);
    const specSource = await run(['--import', 'tsx', 'src/cli/main.ts', 'spec', 'test/openapi/fixtures/orders.yaml', '--json'], env);
    assert.equal(spec.code, specSource.code, spec.stderr);
    assert.deepEqual(JSON.parse(spec.stdout), JSON.parse(specSource.stdout));
  } finally {
    await lab.close();
    rmSync(out, { recursive: true, force: true });
  }
});
