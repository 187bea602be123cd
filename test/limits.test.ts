import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosisLimits, LimitsSettingsSchema } from '../src/limits/diagnosis-limits.js';

test('one running diagnosis per user and endpoint; released when done', () => {
  const limits = new DiagnosisLimits(LimitsSettingsSchema.parse({}));
  const who = { user: 'U1', workspace: 'T1' };
  const a = limits.tryStart(who, 'https://a/');
  assert.equal(a.ok, true);
  const again = limits.tryStart(who, 'https://a/');
  assert.deepEqual(again.ok ? 'ok' : again.reason, 'running');
  assert.equal(limits.tryStart(who, 'https://b/').ok, true, 'another endpoint is fine');
  assert.equal(limits.tryStart({ user: 'U2', workspace: 'T1' }, 'https://a/').ok, true, 'another user is fine');
  if (a.ok) a.release();
  assert.equal(limits.tryStart(who, 'https://a/').ok, true);
});

test('per-user and per-workspace hourly limits, with the wait time', () => {
  let now = 1_000_000;
  const limits = new DiagnosisLimits(LimitsSettingsSchema.parse({ DIAGNOSES_PER_USER_PER_HOUR: '2', DIAGNOSES_PER_WORKSPACE_PER_HOUR: '3' }), () => now);
  const start = (user: string, i: number) => {
    const d = limits.tryStart({ user, workspace: 'T' }, `https://e/${i}`);
    if (d.ok) d.release();
    return d;
  };
  assert.equal(start('U1', 1).ok, true);
  assert.equal(start('U1', 2).ok, true);
  const third = start('U1', 3);
  assert.ok(!third.ok && third.reason === 'rate' && third.retryAfterSeconds === 3600, JSON.stringify(third));
  assert.equal(start('U2', 4).ok, true);
  const ws = start('U3', 5);
  assert.ok(!ws.ok && ws.reason === 'rate' && /workspace/.test(ws.message));
  now += 3_600_001;
  assert.equal(start('U1', 6).ok, true, 'the window slides');
});
