import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLimiter } from '../../src/net/host-limiter.js';
import { exchange } from '../../src/net/exchange.js';
import { handshake } from '../../src/net/handshake.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { startCountingHosts } from '../../src/lab/counting-hosts.js';
import { seededRandom } from '../helpers/seeded-random.js';

test('invariant: never more than perHost holders per key, every task runs, waiters are served in order', async () => {
  for (let seed = 1; seed <= 25; seed++) {
    const rand = seededRandom(seed);
    const perHost = 1 + Math.floor(rand() * 3);
    const limiter = new HostLimiter(perHost);
    const keys = ['a:443', 'b:443', 'c:8443'];
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const order = new Map<string, number[]>();
    const tasks = Array.from({ length: 10 + Math.floor(rand() * 30) }, (_, i) => ({ i, key: keys[Math.floor(rand() * keys.length)]!, ms: Math.floor(rand() * 4) }));
    await Promise.all(
      tasks.map((t) =>
        limiter.run(t.key, async () => {
          order.set(t.key, [...(order.get(t.key) ?? []), t.i]);
          const n = (active.get(t.key) ?? 0) + 1;
          active.set(t.key, n);
          peak.set(t.key, Math.max(peak.get(t.key) ?? 0, n));
          await new Promise((r) => setTimeout(r, t.ms));
          active.set(t.key, active.get(t.key)! - 1);
        }),
      ),
    );
    for (const k of keys) {
      assert.ok((peak.get(k) ?? 0) <= perHost, `seed ${seed}: ${k} had ${peak.get(k)} at once with perHost ${perHost}`);
      assert.deepEqual(order.get(k) ?? [], tasks.filter((t) => t.key === k).map((t) => t.i), `seed ${seed}: ${k} not first come first served`);
      assert.equal(limiter.inFlight(k), 0, `seed ${seed}: ${k} leaked a slot`);
    }
    const limiterPeaks = limiter.peaks();
    for (const k of keys) assert.ok((limiterPeaks[k] ?? 0) <= perHost);
  }
});

test('a waiter whose signal aborts leaves the queue without taking a slot', async () => {
  const limiter = new HostLimiter(1);
  const release = await limiter.acquire('h:443');
  const ac = new AbortController();
  const waiting = limiter.acquire('h:443', ac.signal);
  ac.abort(new Error('deadline'));
  await assert.rejects(waiting, /deadline/);
  release();
  assert.equal(limiter.inFlight('h:443'), 0);
  const again = await limiter.acquire('h:443');
  assert.equal(limiter.inFlight('h:443'), 1);
  again();
  again(); // releasing twice is harmless
  assert.equal(limiter.inFlight('h:443'), 0);
});

test('real sockets: a shared limiter keeps the host at 2 requests and 2 connections at once; without it the same calls pile up', async () => {
  const lab = await startCountingHosts(['busy.count.test'], { delayMs: 40 });
  try {
    const base = { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts };
    const url = `${lab.host('busy.count.test').origin}/orders/1`;
    const fire = (net: ReturnType<typeof NetOptionsSchema.parse>) =>
      Promise.all([
        ...Array.from({ length: 8 }, (_, i) => exchange({ label: `call ${i}`, method: 'GET', url, headers: [], timeoutMs: 5000 }, net)),
        ...Array.from({ length: 3 }, () => handshake(new URL(url), net, 5000)),
      ]);

    // Control: without a limiter the host sees the calls together (so the assertion below can fail).
    const free = await fire(NetOptionsSchema.parse(base));
    assert.ok(free.every((r) => !('error' in r) || r.error === null));
    assert.ok(lab.host('busy.count.test').peakRequests > 2, `control: expected a pile-up, saw ${lab.host('busy.count.test').peakRequests}`);

    lab.reset();
    const limiter = new HostLimiter(2);
    const limited = await fire(NetOptionsSchema.parse({ ...base, hostLimiter: limiter }));
    const h = lab.host('busy.count.test');
    assert.equal(h.requests, 8);
    assert.ok(limited.slice(0, 8).every((r) => 'response' in r && r.response?.status === 200));
    assert.ok(h.peakRequests <= 2 && h.peakRequests >= 1, `peak requests ${h.peakRequests}`);
    assert.ok(h.peakConnections <= 2, `peak TLS connections ${h.peakConnections}`);
    assert.equal(limiter.inFlight('busy.count.test:' + new URL(url).port), 0);
  } finally {
    await lab.close();
  }
});
