import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { WorkTracker } from '../../src/work/tracker.js';
import { silentLogger } from '../../src/log.js';
import type { WorkRow } from '../../src/store/store.js';
import { until } from '../helpers/until.js';

/**
 * The work tracker when the database refuses writes for a while (busy, full, read-only): a finish it refused is written
 * again once the database answers, never over another process's run, and finished work is never run again here.
 * The refusal is the driver's own error (better-sqlite3's SqliteError), thrown while `down` is set.
 */
class Outage extends SqliteStore {
  down = false;
  #refuse(): void {
    if (this.down) throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  }
  override async finishWork(...a: Parameters<SqliteStore['finishWork']>) {
    this.#refuse();
    return super.finishWork(...a);
  }
  override async finishOwnedWork(...a: Parameters<SqliteStore['finishOwnedWork']>) {
    this.#refuse();
    return super.finishOwnedWork(...a);
  }
  override async renewWork(...a: Parameters<SqliteStore['renewWork']>) {
    this.#refuse();
    return super.renewWork(...a);
  }
  override async claimWork(...a: Parameters<SqliteStore['claimWork']>) {
    this.#refuse();
    return super.claimWork(...a);
  }
}

const LEASE = 300;
const row = (store: SqliteStore, id: string) => store.db.prepare('SELECT state, outcome, claimed_by AS owner FROM work WHERE id = ?').get(id) as { state: string; outcome: string | null; owner: string | null };
const work = { kind: 'diagnose', dedupeKey: null, workspace: 'T1', channel: 'C1', requester: 'U1', payload: {} };

test('a finish refused for a moment is written once the database answers; the row never stays running', async () => {
  const store = new Outage(join(mkdtempSync(join(tmpdir(), 'ad-tracker-')), 'w.db'));
  const resumed: WorkRow[] = [];
  const t = new WorkTracker(store, { leaseMs: 30_000, pollMs: 50 }, silentLogger, async (r) => void resumed.push(r));
  t.start();
  try {
    const { row: r } = await t.begin(work);
    store.down = true;
    await t.done(r.id, 'verdict'); // does not throw
    assert.equal(row(store, r.id).state, 'running');
    store.down = false;
    await until(async () => row(store, r.id).state === 'done', 5000, 'finished after all');
    assert.equal(row(store, r.id).outcome, 'verdict');
    assert.deepEqual(resumed, []);
  } finally {
    await t.stop(0);
    await store.close();
  }
});

test('an outage longer than the lease: the row, back in this process\'s hands, is finished, not run again', async () => {
  const store = new Outage(join(mkdtempSync(join(tmpdir(), 'ad-tracker-')), 'w.db'));
  const resumed: WorkRow[] = [];
  const t = new WorkTracker(store, { leaseMs: LEASE, pollMs: 50 }, silentLogger, async (r) => void resumed.push(r));
  t.start();
  try {
    const { row: r } = await t.begin(work);
    store.down = true;
    await t.done(r.id, 'verdict');
    await new Promise((res) => setTimeout(res, LEASE * 2.5)); // the lease lapses: its renewals were refused too
    store.down = false;
    await until(async () => row(store, r.id).state === 'done', 5000, 'finished after all');
    await new Promise((res) => setTimeout(res, 300)); // polls go on
    assert.deepEqual(resumed.map((x) => x.id), [], 'finished work was run again');
    assert.equal(row(store, r.id).outcome, 'verdict');
  } finally {
    await t.stop(0);
    await store.close();
  }
});

test('an outage longer than the lease, and another process took the row up: the late finish leaves that run alone', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ad-tracker-')), 'w.db');
  const storeA = new Outage(path);
  const storeB = new SqliteStore(path);
  let release!: () => void;
  const running = new Promise<void>((r) => (release = r));
  const resumedByB: string[] = [];
  const a = new WorkTracker(storeA, { leaseMs: LEASE, pollMs: 50 }, silentLogger, async () => assert.fail('A ran finished work again'));
  const b = new WorkTracker(storeB, { leaseMs: 30_000, pollMs: 50 }, silentLogger, async (r) => {
    resumedByB.push(r.id);
    await running;
    await b.done(r.id, 'verdict-from-b');
  });
  try {
    a.start();
    const { row: r } = await a.begin(work);
    storeA.down = true;
    await a.done(r.id, 'verdict-from-a');
    await new Promise((res) => setTimeout(res, LEASE * 1.5));
    b.start(); // B's poll finds the lapsed lease and takes the row up
    await until(async () => resumedByB.includes(r.id), 5000, 'B took the row up');
    storeA.down = false;
    await new Promise((res) => setTimeout(res, 1500)); // A's retries run
    assert.deepEqual([row(storeA, r.id).state, row(storeA, r.id).owner], ['running', b.owner], 'A ended B\'s run');
    release();
    await until(async () => row(storeA, r.id).state === 'done', 5000, 'B finished');
    assert.equal(row(storeA, r.id).outcome, 'verdict-from-b');
  } finally {
    release();
    await a.stop(0);
    await b.stop(0);
    await storeA.close();
    await storeB.close();
  }
});
