import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab, type LabScenario } from '../../src/lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { diagnose as runDiagnosis } from '../../src/registry.js';
import { ReportSchema, type Report } from '../../src/pipeline/report.js';
import { runCli } from '../helpers/run-cli.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab?.close();
});

function inputFor(s: LabScenario) {
  return parseDiagnosisInput({
    endpoint: s.url,
    method: s.method,
    headers: s.headers.map(parseHeaderArg),
    ...(s.body ? { body: { kind: 'json' as const, text: s.body } } : {}),
    ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
    action: `Lab ${s.id}`,
    session: 'ses_lab',
  });
}

function secretsOf(s: LabScenario): string[] {
  return s.headers.map((h) => h.slice(h.indexOf(':') + 1).trim().replace(/^bearer\s+/i, '')).filter((v) => v.length >= 6);
}

test('in-process: every lab scenario gets the expected family and cause, with evidence and a fix', async () => {
  const reports = await Promise.all(
    lab.scenarios.map(async (s) => ({
      s,
      r: await runDiagnosis(inputFor(s), { net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts } }),
    })),
  );
  const wrong: string[] = [];
  for (const { s, r } of reports) {
    const valid = ReportSchema.safeParse(r);
    assert.ok(valid.success, `${s.id}: report does not match its schema: ${JSON.stringify(valid.error?.issues.slice(0, 2))}`);
    if (r.verdict.family !== s.expect.family || r.verdict.cause !== s.expect.cause) {
      wrong.push(`${s.id}: expected ${s.expect.family}/${s.expect.cause}, got ${r.verdict.family}/${r.verdict.cause} (${r.findings.map((f) => `${f.id}:${f.severity}`).join(', ')})`);
      continue;
    }
    if (s.expect.family !== null) {
      assert.ok(r.findings[0]!.evidence.length > 0, `${s.id}: no evidence`);
      assert.ok(r.verdict.fix.length > 10, `${s.id}: no fix`);
    }
    const json = JSON.stringify(r);
    for (const secret of secretsOf(s)) assert.ok(!json.includes(secret), `${s.id}: a header secret leaked into the report`);
  }
  assert.deepEqual(wrong, []);
});

test('as a process: the CLI gives the same verdicts as JSON, exit 0/1, progress on stderr only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ad-cli-'));
  const env = { NODE_EXTRA_CA_CERTS: lab.caFile(dir), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv() };
  const results: { s: LabScenario; code: number | null; report: Report; stderr: string }[] = [];
  // Two at a time: each is a whole Node process.
  for (let i = 0; i < lab.scenarios.length; i += 2) {
    const batch = lab.scenarios.slice(i, i + 2);
    const done = await Promise.all(
      batch.map(async (s) => {
        const args = ['diagnose', '--json', '--endpoint', s.url, '--method', s.method, ...s.headers.flatMap((h) => ['--header', h])];
        if (s.body) args.push('--body', s.body);
        // The short limits come by flag for one scenario and by the operator's setting for the others: both must bite.
        const bySetting = s.timeoutMs !== undefined && s.id !== 'slow';
        if (s.timeoutMs && !bySetting) args.push('--timeout', String(s.timeoutMs / 1000));
        const r = await runCli(args, bySetting ? { ...env, ACTION_DEBUG_TIMEOUT_S: String(s.timeoutMs! / 1000) } : env, 60_000);
        let report: Report;
        try {
          report = ReportSchema.parse(JSON.parse(r.stdout));
        } catch {
          throw new Error(`${s.id}: stdout is not the JSON report (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 500)}`);
        }
        return { s, code: r.code, report, stderr: r.stderr };
      }),
    );
    results.push(...done);
  }
  for (const { s, code, report, stderr } of results) {
    assert.equal(report.verdict.cause, s.expect.cause, `${s.id} (CLI)`);
    assert.equal(report.verdict.family, s.expect.family, `${s.id} (CLI)`);
    assert.equal(code, s.expect.family === null ? 0 : 1, `${s.id}: exit code`);
    if (s.timeoutMs) assert.equal(report.input.timeoutMs, s.timeoutMs, `${s.id}: the report shows the timeout used`);
    assert.match(stderr, /✓|✗/, `${s.id}: progress lines on stderr`);
    for (const secret of secretsOf(s)) assert.ok(!stderr.includes(secret), `${s.id}: secret on stderr`);
  }
});
