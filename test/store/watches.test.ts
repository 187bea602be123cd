import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { PgStore } from '../../src/store/pg-store.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';

/**
 * The watches' contract, on both engines. Each case opens TWO stores on one database (two SQLite connections to one
 * file; two pools to one PostgreSQL database), as two processes or two instances would, and races them.
 */
let cluster: PgCluster | null = null;
let skipPg: string | false = false;
let dbs = 0;
before(async () => {
  const c = await startPgCluster();
  if ('skip' in c) {
    skipPg = `PostgreSQL: ${c.skip}`;
    process.stdout.write(`# skipping the PostgreSQL engine: ${c.skip}\n`);
  } else cluster = c;
});
after(async () => {
  await cluster?.stop();
});

const engines: { name: string; pair(): Promise<[Store, Store]> }[] = [
  {
    name: 'sqlite',
    async pair() {
      const path = join(mkdtempSync(join(tmpdir(), 'ad-watches-')), 'bot.db');
      return [new SqliteStore(path), new SqliteStore(path)];
    },
  },
  {
    name: 'postgres',
    async pair() {
      const url = await cluster!.createDatabase(`w${++dbs}_${process.pid}`);
      return [await PgStore.open(url), await PgStore.open(url)];
    },
  },
];

const watch = (target: string, channel = 'C1', workspace = 'T1') => ({ workspace, channel, createdBy: 'U1', target, everyMs: 60_000, firstDueAt: 0, state: {} });

for (const e of engines) {
  describe(`watches: ${e.name}`, () => {
    const it = (name: string, fn: (a: Store, b: Store) => Promise<void>) =>
      test(name, { skip: e.name === 'postgres' ? skipPg : false }, async () => {
        const [a, b] = await e.pair();
        try {
          await fn(a, b);
        } finally {
          await a.close();
          await b.close();
        }
      });

    it('a due watch is claimed by one of two stores, and only its claim commits (with its outbox rows)', async (a, b) => {
      assert.ok(await a.watches.create(watch('Look up order'), 5));
      const [ca, cb] = await Promise.all([a.watches.claimDue(1000, 5, 60_000), b.watches.claimDue(1000, 5, 60_000)]);
      assert.equal(ca.length + cb.length, 1, 'claimed once');
      const mine = (ca[0] ?? cb[0])!;
      const msg = { kind: 'slack.post', dedupeKey: `watch:${mine.id}:${mine.token}:0`, payload: { channel: 'C1', text: 'x' } };
      // A stale token (another process after the lease) commits nothing.
      assert.equal(await a.watches.commitRun({ ...mine, token: 'stale' }, { state: { n: 1 }, nextDueAt: 61_000, stop: false, messages: [msg] }), false);
      assert.equal(await a.pendingCount(), 0);
      assert.equal(await b.watches.commitRun(mine, { state: { n: 1 }, nextDueAt: 61_000, stop: false, messages: [msg, msg] }), true);
      assert.equal(await a.pendingCount(), 1, 'the same dedupe key is one message');
      assert.equal(await a.watches.commitRun(mine, { state: { n: 2 }, nextDueAt: 61_000, stop: false, messages: [] }), false, 'a claim commits once');
      assert.deepEqual((await a.watches.active('T1'))[0]!.state, { n: 1 });
      assert.equal((await b.watches.claimDue(2000, 5, 60_000)).length, 0, 'not due again before its next time');
      assert.equal((await a.watches.claimDue(61_000, 5, 60_000)).length, 1, 'due again at its next time');
    });

    it('many due watches, two stores claiming at once: each due time is claimed by exactly one; a lapsed claim is taken over', async (a, b) => {
      for (let i = 0; i < 24; i++) await (i % 2 ? a : b).watches.create(watch(`action ${i}`, `C${i % 4}`, 'T1'), 100);
      const [x, y] = await Promise.all([a.watches.claimDue(1000, 20, 5000), b.watches.claimDue(1000, 20, 5000)]);
      const rest = await a.watches.claimDue(1000, 20, 5000);
      const ids = [...x, ...y, ...rest].map((w) => w.id);
      assert.equal(ids.length, 24, 'every due watch claimed');
      assert.equal(new Set(ids).size, 24, 'none twice');
      assert.deepEqual(await b.watches.claimDue(3000, 50, 5000), [], 'held while the lease runs');
      // The holder of x died: after its lease, x's watches are claimed again (with a new token), and x's commit loses.
      for (const w of [...y, ...rest]) assert.ok(await (w.id % 2 ? a : b).watches.commitRun(w, { state: {}, nextDueAt: 1e12, stop: false, messages: [] }));
      const again = await b.watches.claimDue(7000, 50, 5000);
      assert.deepEqual(again.map((w) => w.id).sort((p, q) => p - q), x.map((w) => w.id).sort((p, q) => p - q));
      assert.equal(await a.watches.commitRun(x[0]!, { state: {}, nextDueAt: 1e12, stop: false, messages: [{ kind: 'slack.post', dedupeKey: 'late', payload: {} }] }), false);
      assert.equal(await a.pendingCount(), 0, 'the dead claim posts nothing');
    });

    it('a watch stopped during its run stays stopped and posts nothing; the workspace limit holds across two stores; duplicates are one watch', async (a, b) => {
      const made = await Promise.all([...Array(8)].map((_, i) => (i % 2 ? a : b).watches.create({ ...watch(`W${i}`, 'C1', 'T2'), firstDueAt: 1e12 }, 3)));
      assert.equal(made.filter((m) => m?.created).length, 3, 'the limit, even when created at once through two stores');
      assert.equal(await b.watches.activeCount('T2'), 3);
      const dup = await Promise.all([a.watches.create(watch('Same'), 5), b.watches.create(watch('same'), 5)]);
      assert.equal(dup.filter((m) => m?.created).length, 1, 'same target (any case) in the same channel, at once: one watch');
      assert.equal(dup[0]!.watch.id, dup[1]!.watch.id);
      await a.watches.create(watch('*'), 5);
      const [claimed] = await b.watches.claimDue(1000, 1, 60_000);
      assert.ok(claimed);
      assert.equal(await a.watches.stop('T1', 'C1', claimed.target.toUpperCase()), 1);
      assert.equal(await b.watches.commitRun(claimed, { state: {}, nextDueAt: 9e12, stop: false, messages: [{ kind: 'slack.post', dedupeKey: 'k', payload: {} }] }), false);
      assert.equal(await a.pendingCount(), 0);
      assert.deepEqual((await b.watches.active('T1')).map((x) => x.target), ['*']);
      assert.deepEqual((await a.watches.activeWorkspaces()).sort(), ['T1', 'T2']);
      assert.equal(await b.watches.stop('T2', 'C1', null), 3);
      assert.deepEqual(await a.watches.activeWorkspaces(), ['T1']);
    });

    it('an action changed in OpenCX makes its watch due now (once); a watch whose action is gone commits its end', async (a, b) => {
      const { watch: w } = (await a.watches.create({ ...watch('X'), firstDueAt: 50_000 }, 5))!;
      assert.equal(await b.watches.dueNow(w.id, 10_000), true);
      assert.equal(await a.watches.dueNow(w.id, 10_000), false, 'already due');
      const [c] = await a.watches.claimDue(10_000, 5, 60_000);
      assert.equal(c!.id, w.id);
      assert.ok(await b.watches.commitRun(c!, { state: { gone: true }, nextDueAt: 70_000, stop: true, messages: [{ kind: 'slack.post', dedupeKey: `watch:${w.id}:end`, payload: {} }] }));
      assert.deepEqual(await a.watches.active('T1'), []);
      assert.equal(await b.pendingCount(), 1);
      assert.equal((await a.watches.create(watch('X'), 5))?.created, true, 'a stopped watch can be started again');
    });
  });
}
