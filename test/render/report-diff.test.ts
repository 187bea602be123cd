import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { reportChanges } from '../../src/render/report-diff.js';
import type { Report } from '../../src/pipeline/report.js';
import { labReports } from '../helpers/lab-reports.js';

let by: Record<string, Report> = {};
before(async () => {
  by = Object.fromEntries((await labReports(['healthy', 'server-error', 'cors-wildcard', 'waf-opencx-headers'])).map((r) => [r.scenario.id, r.report]));
});

test('a re-run that now passes says fixed and names the cause that went away', () => {
  const lines = reportChanges(by['server-error']!, by['healthy']!);
  assert.equal(lines[0], `fixed: "${by['server-error']!.verdict.title}" is gone and no problem is left`);
  assert.ok(!lines.some((l) => l.startsWith('broken')));
});

test('a re-run that now fails says broken with the new cause, never "fixed"', () => {
  const lines = reportChanges(by['healthy']!, by['waf-opencx-headers']!);
  assert.equal(lines[0], `broken: now "${by['waf-opencx-headers']!.verdict.title}" (was fine)`);
  assert.ok(!lines.some((l) => l.startsWith('fixed')));
});

test('a different failing cause is reported as a change from one title to the other', () => {
  const a = by['server-error']!;
  const b = by['waf-opencx-headers']!;
  assert.equal(reportChanges(a, b)[0], `the most likely cause changed from "${a.verdict.title}" to "${b.verdict.title}"`);
});

test('the same report twice has no changes to tell', () => {
  for (const r of Object.values(by)) assert.deepEqual(reportChanges(r, r), []);
});

test('problems that appear or disappear besides the verdict are listed as new/gone, and probe status changes are named', () => {
  const prev = by['cors-wildcard']!;
  const extra = { ...prev.findings.find((f) => f.id === prev.verdict.cause)!, id: 'extra-problem', severity: 'error' as const };
  const next: Report = {
    ...prev,
    findings: [...prev.findings, extra],
    probes: prev.probes.map((p, i) => (i === 0 ? { ...p, status: p.status === 'passed' ? ('failed' as const) : ('passed' as const) } : p)),
  };
  const lines = reportChanges(prev, next);
  assert.ok(lines.includes('new: extra-problem'), lines.join(' | '));
  assert.ok(reportChanges(next, prev).includes('gone: extra-problem'));
  const p0 = prev.probes[0]!;
  assert.ok(lines.includes(`${p0.title}: ${p0.status} → ${next.probes[0]!.status}`), lines.join(' | '));
  // The verdict cause itself is never reported as "new": the headline line already says it.
  assert.ok(!reportChanges(by['healthy']!, prev).includes(`new: ${prev.verdict.cause}`));
});
