import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab, type LabScenario } from '../../src/lab/index.js';
import { SCENARIOS } from '../../src/lab/scenarios.js';
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

const opts = () => ({ net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts } });

// One test per scenario, so a failure names the case that broke. Defined from the static list: the lab's URLs exist
// only once it runs, so each test looks its scenario up by id.
const byId = (id: string) => lab.scenarios.find((x) => x.id === id)!;

describe('in-process: each lab scenario gets its family and cause, with evidence and a fix', { concurrency: 2 }, () => {
  for (const def of SCENARIOS) {
    test(`${def.id}: ${def.title} → ${def.expect.family ?? '-'}/${def.expect.cause}`, async () => {
      const s = byId(def.id);
      const r = await runDiagnosis(inputFor(s), opts());
      const valid = ReportSchema.safeParse(r);
      assert.ok(valid.success, `report does not match its schema: ${JSON.stringify(valid.error?.issues.slice(0, 2))}`);
      assert.equal(`${r.verdict.family}/${r.verdict.cause}`, `${s.expect.family}/${s.expect.cause}`, `findings: ${r.findings.map((f) => `${f.id}:${f.severity}`).join(', ')}`);
      if (s.expect.family !== null) {
        assert.ok(r.verdict.evidence.length > 0, 'no evidence');
        assert.ok(r.verdict.fix.length > 10, 'no fix');
      }
      const json = JSON.stringify(r);
      for (const secret of secretsOf(s)) assert.ok(!json.includes(secret), 'a header secret leaked into the report');
    });
  }
});

describe('as a process: the CLI gives the same verdict as JSON, exit 0/1, progress on stderr only', { concurrency: 1 }, () => {
  for (const def of SCENARIOS) {
    test(`${def.id} (CLI)`, async () => {
      const s = byId(def.id);
      const dir = mkdtempSync(join(tmpdir(), 'ad-cli-'));
      const env = { NODE_EXTRA_CA_CERTS: lab.caFile(dir), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv() };
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
        throw new Error(`stdout is not the JSON report (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 500)}`);
      }
      assert.equal(`${report.verdict.family}/${report.verdict.cause}`, `${s.expect.family}/${s.expect.cause}`);
      assert.equal(r.code, s.expect.family === null ? 0 : 1, 'exit code');
      if (s.timeoutMs) assert.equal(report.input.timeoutMs, s.timeoutMs, 'the report shows the timeout used');
      assert.match(r.stderr, /✓|✗/, 'progress lines on stderr');
      for (const secret of secretsOf(s)) assert.ok(!r.stderr.includes(secret), 'secret on stderr');
    });
  }
});
