import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimitsSettingsSchema } from '../src/limits/diagnosis-limits.js';
import { StoredDiagnosisLimits } from '../src/limits/stored-limits.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

test('hourly limits counted in the database hold across two instances; refused requests do not count', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ad-lim-')), 'x.db');
  const [a, b] = [new SqliteStore(path), new SqliteStore(path)];
  const settings = LimitsSettingsSchema.parse({ DIAGNOSES_PER_USER_PER_HOUR: '2', DIAGNOSES_PER_WORKSPACE_PER_HOUR: '3' });
  const [la, lb] = [new StoredDiagnosisLimits(settings, a), new StoredDiagnosisLimits(settings, b)];
  const start = async (s: SqliteStore, l: StoredDiagnosisLimits, user: string, endpoint: string) => {
    const { row } = await s.addWork({ kind: 'diagnose', workspace: 'T1', channel: 'C', requester: user, payload: null }, { owner: 'x', leaseMs: 1000 });
    const gate = await l.tryStart({ user, workspace: 'T1' }, endpoint, row.id);
    if (!gate.ok) await s.finishWork(row.id, 'refused');
    else gate.release();
    return gate;
  };
  assert.ok((await start(a, la, 'U1', 'https://a.test/1')).ok);
  assert.ok((await start(b, lb, 'U1', 'https://a.test/2')).ok, 'the second, on the other instance');
  const third = await start(a, la, 'U1', 'https://a.test/3');
  assert.equal(third.ok, false);
  assert.equal(!third.ok && third.reason, 'rate');
  assert.match(!third.ok ? third.message : '', /You have started 2 diagnoses in the last hour/);
  assert.ok((await start(b, lb, 'U2', 'https://a.test/1')).ok, 'another user: the refused one did not count for the workspace');
  const ws = await start(a, la, 'U3', 'https://a.test/1');
  assert.match(!ws.ok ? ws.message : '', /This workspace has started 3/);
  await a.close();
  await b.close();
});
