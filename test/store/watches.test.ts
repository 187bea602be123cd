import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore as Store } from '../../src/store/sqlite-store.js';
import { WatchStore } from '../../src/store/watches.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ad-watches-')), 'bot.db');
const watch = (target: string) => ({ workspace: 'T1', channel: 'C1', createdBy: 'U1', target, everyMs: 60_000, firstDueAt: 0, state: {} });

test('a due watch is claimed by one of two processes, and only its claim commits (with its outbox rows)', async () => {
  const path = fresh();
  const [a, b] = [new Store(path), new Store(path)];
  const [wa, wb] = [new WatchStore(a.db), new WatchStore(b.db)];
  try {
    assert.ok(await wa.create(watch('Look up order'), 5));
    const [ca, cb] = await Promise.all([wa.claimDue(1000, 5, 60_000), wb.claimDue(1000, 5, 60_000)]);
    assert.equal(ca.length + cb.length, 1, 'claimed once');
    const mine = (ca[0] ?? cb[0])!;
    const msg = { kind: 'slack.post', dedupeKey: `watch:${mine.id}:${mine.token}:0`, payload: { channel: 'C1', text: 'x' } };
    // A stale token (another process after the lease) commits nothing.
    assert.equal(await wa.commitRun({ ...mine, token: 'stale' }, { state: { n: 1 }, nextDueAt: 61_000, stop: false, messages: [msg] }), false);
    assert.equal(await a.pendingCount(), 0);
    assert.equal(await wb.commitRun(mine, { state: { n: 1 }, nextDueAt: 61_000, stop: false, messages: [msg, msg] }), true);
    assert.equal(await a.pendingCount(), 1, 'the same dedupe key is one message');
    assert.deepEqual((await wa.active('T1'))[0]!.state, { n: 1 });
    assert.equal((await wa.claimDue(2000, 5, 60_000)).length, 0, 'not due again before its next time');
  } finally {
    a.close();
    b.close();
  }
});

test('a watch stopped during its run stays stopped and its run posts nothing; the workspace limit and duplicates hold', async () => {
  const s = new Store(fresh());
  const w = new WatchStore(s.db);
  try {
    await w.create(watch('A'), 2);
    assert.equal((await w.create(watch('a'), 2))?.created, false, 'same target (any case) in the same channel');
    await w.create(watch('*'), 2);
    assert.equal(await w.create(watch('B'), 2), null, 'over the limit');
    const [claimed] = await w.claimDue(1000, 1, 60_000);
    assert.ok(claimed);
    assert.equal(await w.stop('T1', 'C1', claimed.target), 1);
    assert.equal(await w.commitRun(claimed, { state: {}, nextDueAt: 9e12, stop: false, messages: [{ kind: 'slack.post', dedupeKey: 'k', payload: {} }] }), false);
    assert.equal(await s.pendingCount(), 0);
    assert.deepEqual((await w.active('T1')).map((x) => x.target), ['*']);
  } finally {
    s.close();
  }
});
