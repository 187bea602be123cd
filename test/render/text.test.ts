import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { renderText, progressLine, renderProbeDetails } from '../../src/render/text.js';
import { NO_PROBLEM_TITLE } from '../../src/pipeline/verdict.js';
import { labReports, encodings, type LabReport } from '../helpers/lab-reports.js';

let runs: LabReport[] = [];
before(async () => {
  runs = await labReports();
});

test('the terminal headline matches the verdict: ✗ family and cause when failing, ✓ only when nothing failed', () => {
  assert.ok(runs.length >= 5, 'the lab produced the reports');
  for (const { scenario, report } of runs) {
    for (const details of [false, true]) {
      const text = renderText(report, { details });
      const head = text.split('\n')[2]!;
      if (scenario.expect.family === null) {
        assert.equal(head, `✓ ${NO_PROBLEM_TITLE}`, scenario.id);
        assert.doesNotMatch(text, /^✗ Family/m, scenario.id);
      } else {
        assert.equal(head, `✗ Family ${report.verdict.family}: ${report.verdict.familyTitle}`, scenario.id);
        assert.ok(!text.includes(NO_PROBLEM_TITLE), `${scenario.id}: a failing verdict is worded as no problem`);
        assert.ok(text.includes(`[${report.verdict.cause}]`), `${scenario.id}: cause id missing`);
        assert.ok(text.includes(`Fix: ${report.verdict.fix}`), `${scenario.id}: fix missing`);
        for (const e of report.verdict.evidence) assert.ok(text.includes(`    - ${e}`), `${scenario.id}: evidence line missing: ${e}`);
      }
    }
  }
});

test('no saved header secret appears in the terminal output, in any encoding, even with --details', () => {
  const withSecrets = runs.filter((r) => r.secrets.length);
  assert.ok(withSecrets.length >= 3);
  for (const { scenario, report, secrets } of withSecrets) {
    const text = renderText(report, { details: true }) + report.probes.map(progressLine).join('\n');
    for (const s of secrets) for (const enc of encodings(s)) assert.ok(!text.includes(enc), `${scenario.id}: secret leaked as ${enc.slice(0, 4)}…`);
  }
});

test('every other finding is listed under "Also found" with its id and fix; the top cause is not repeated there', () => {
  for (const { scenario, report } of runs) {
    const text = renderText(report);
    const also = text.split('\nAlso found:\n')[1]?.split('\n\nChecked')[0] ?? '';
    for (const f of report.findings) {
      if (f.id === report.verdict.cause) assert.ok(!also.includes(`[${f.id},`), `${scenario.id}: top cause repeated`);
      else assert.ok(also.includes(`${f.title} [${f.id}, family ${f.family}]`), `${scenario.id}: ${f.id} not listed`);
    }
  }
});

test('the checked line names every probe; skipped or failed-to-run probes say why', () => {
  for (const { scenario, report } of runs) {
    const text = renderText(report);
    const checked = text.split('\n').find((l) => l.startsWith('Checked ('))!;
    for (const p of report.probes) assert.ok(checked.includes(p.title), `${scenario.id}: ${p.title}`);
    for (const p of report.probes.filter((x) => x.status === 'skipped' || x.status === 'error')) assert.ok(text.includes(`${p.title}: ${p.summary}`), `${scenario.id}: ${p.id} without reason`);
  }
});

test('probe details list each request sent with its answer, and progress lines give a reason only when not passed', () => {
  for (const { report } of runs) {
    for (const p of report.probes) {
      const lines = renderProbeDetails(p);
      assert.equal(lines.filter((l) => l.startsWith('    → ')).length, p.exchanges.length, p.id);
      const line = progressLine(p);
      if (p.status === 'passed') assert.equal(line, `  ✓ ${p.title} (${p.durationMs} ms)`, p.id);
      else assert.ok(line.endsWith(`: ${p.summary}`), p.id);
    }
  }
});
