import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../helpers/seeded-random.js';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { GroupCommit } from '../../src/store/group-commit.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'ad-group-')), 'test.db');
const work = (i: number, key: string) => ({ kind: 'diagnose', dedupeKey: key, workspace: 'T1', channel: `C${i}`, requester: 'U1', payload: { n: i } });

test('invariant: recorded work is committed (seen by another connection) when its promise resolves; one key is recorded once', async () => {
  const path = tmp();
  const store = new SqliteStore(path);
  // Another process's view of the file: it sees only committed rows.
  const other = new Database(path, { readonly: true });
  const seen = other.prepare('SELECT count(*) AS n FROM work WHERE id = ?');
  try {
    for (let seed = 1; seed <= 8; seed++) {
      const rand = seededRandom(seed);
      const n = 1 + Math.floor(rand() * 60);
      const keys = Array.from({ length: n }, () => `trigger:${seed}-${Math.floor(rand() * n * 0.7)}`);
      const results = await Promise.all(
        keys.map((k, i) =>
          store.addWork(work(i, k), { owner: 'test', leaseMs: 60_000 }).then((r) => {
            assert.equal((seen.get(r.row.id) as { n: number }).n, 1, `seed ${seed}: ${k} resolved before its row was committed`);
            return r;
          }),
        ),
      );
      for (const k of new Set(keys)) {
        const mine = results.filter((_, i) => keys[i] === k);
        assert.equal(mine.filter((r) => r.created).length, 1, `seed ${seed}: ${k} recorded ${mine.filter((r) => r.created).length} times`);
        assert.equal(new Set(mine.map((r) => r.row.id)).size, 1, `seed ${seed}: ${k} answered with different rows`);
      }
    }
  } finally {
    other.close();
    await store.close();
  }
});

test('a write that fails fails alone; a batch that cannot commit fails every write in it, and nothing of it is written', async () => {
  const path = tmp();
  const store = new SqliteStore(path);
  const group = new GroupCommit(store.db);
  const insert = store.db.prepare(`INSERT INTO work (id, kind, state, workspace, channel, requester, payload_json, due_at, attempts, created_at, updated_at) VALUES (?, 'diagnose', 'pending', 'T', 'C', 'U', '{}', 0, 0, 0, 0)`);
  const count = () => (store.db.prepare("SELECT count(*) AS n FROM work WHERE id LIKE 'g-%'").get() as { n: number }).n;
  try {
    // The same id twice in one batch: the second violates the primary key; the first and the third stand.
    const outcomes = await Promise.allSettled(['g-1', 'g-1', 'g-2'].map((id) => group.run(() => insert.run(id))));
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal(count(), 2);
    // A write of two statements that fails at the second leaves nothing of the first; its neighbours stand.
    const halfway = await Promise.allSettled([
      group.run(() => insert.run('g-3')),
      group.run(() => {
        insert.run('g-4');
        insert.run('g-1');
      }),
      group.run(() => insert.run('g-5')),
    ]);
    assert.deepEqual(halfway.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((store.db.prepare("SELECT count(*) AS n FROM work WHERE id = 'g-4'").get() as { n: number }).n, 0);
    assert.equal(count(), 4);

    // Another process holds the write lock past the busy timeout: the whole batch is refused, as a StoreError each.
    const locker = new Database(path);
    locker.prepare('BEGIN IMMEDIATE').run();
    store.db.pragma('busy_timeout = 50');
    const refused = await Promise.allSettled([1, 2, 3].map((i) => store.addWork(work(i, `trigger:busy-${i}`), { owner: 'test', leaseMs: 60_000 })));
    locker.prepare('ROLLBACK').run();
    locker.close();
    for (const r of refused) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof StoreError);
      assert.match(String((r as PromiseRejectedResult).reason.message), /busy/);
    }
    assert.equal((store.db.prepare("SELECT count(*) AS n FROM work WHERE dedupe_key LIKE 'trigger:busy-%'").get() as { n: number }).n, 0);
    // The lock gone, the same work is recorded.
    const again = await store.addWork(work(1, 'trigger:busy-1'), { owner: 'test', leaseMs: 60_000 });
    assert.equal(again.created, true);
  } finally {
    await store.close();
  }
});
