import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { QuietStart } from '../../src/slack/quiet-start.js';

test('a burst is released together once it stops; a steady stream is released by the longest wait', async () => {
  const q = new QuietStart(50, 300);
  const t0 = performance.now();
  const released: number[] = [];
  const burst = [0, 1, 2].map(() => q.wait().then(() => released.push(performance.now() - t0)));
  await Promise.all(burst);
  assert.equal(released.length, 3);
  assert.ok(Math.max(...released) - Math.min(...released) < 20, 'released together');
  assert.ok(released[0]! >= 45, 'not before the quiet period');

  // One command every 20 ms never leaves 50 ms of quiet: the first still starts by 300 ms.
  const t1 = performance.now();
  let firstAt = 0;
  const stream: Promise<unknown>[] = [];
  for (let i = 0; i < 25; i++) {
    stream.push(q.wait().then(() => (firstAt ||= performance.now() - t1)));
    await sleep(20);
  }
  await Promise.all(stream);
  assert.ok(firstAt >= 280 && firstAt < 450, `first released after ${firstAt} ms`);

  const off = new QuietStart(0, 0);
  const t2 = performance.now();
  await off.wait();
  assert.ok(performance.now() - t2 < 10, '0 starts at once');
});

test('starting waiters stops when a new command arrives: the rest waits for the next quiet moment', async () => {
  const quietMs = 100;
  const q = new QuietStart(quietMs, 60_000);
  const t0 = performance.now();
  const released: number[] = [];
  let arrivedAt = 0;
  let late: Promise<void> | undefined;
  const waiting = Array.from({ length: 20 }, (_, i) =>
    q.wait().then(() => {
      released[i] = performance.now() - t0;
      // A command arrives just as the first waiter starts (as if acknowledged between two starts).
      if (i === 0) {
        arrivedAt = performance.now() - t0;
        late = q.wait().then(() => void (released[20] = performance.now() - t0));
      }
    }),
  );
  await Promise.all(waiting);
  await late;
  assert.ok(released[0]! >= quietMs - 5, `first started ${released[0]} ms after a burst that ended at 0`);
  // Lower bounds only (a loaded machine makes them later, never earlier): nobody else started before the new arrival's
  // quiet period ended, and everyone started.
  for (let i = 1; i <= 20; i++) assert.ok(released[i]! >= arrivedAt + quietMs - 5, `waiter ${i} started ${released[i]! - arrivedAt} ms after the new arrival`);
  assert.equal(released.filter((x) => x !== undefined).length, 21);
});

test('whenQuiet: a diagnosis about to probe waits until commands stop arriving, and no longer than the longest wait', async () => {
  const q = new QuietStart(80, 300);
  const arrival = performance.now();
  void q.wait();
  await q.whenQuiet();
  assert.ok(performance.now() - arrival >= 75, `resumed ${performance.now() - arrival} ms after a command arrived`);
  // Already quiet: it does not wait for any timer.
  const first = await Promise.race([q.whenQuiet().then(() => 'quiet'), new Promise((r) => setImmediate(() => r('waited')))]);
  assert.equal(first, 'quiet');

  // A command every 20 ms never leaves 80 ms of quiet: whenQuiet still returns, by its longest wait (lower bound only).
  let resolved = false;
  const t0 = performance.now();
  void q.wait();
  const done = q.whenQuiet().then(() => (resolved = true));
  for (let i = 0; i < 500 && !resolved; i++) {
    void q.wait();
    await sleep(20);
  }
  await done;
  assert.ok(resolved, 'whenQuiet never returned under a steady stream');
  assert.ok(performance.now() - t0 >= 295, 'returned before the longest wait while commands kept arriving');
});
