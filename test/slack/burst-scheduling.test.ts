import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCountingHosts } from '../../src/lab/counting-hosts.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { finalCard, startHarness } from '../helpers/slack-harness.js';

/**
 * A burst of commands, each diagnosing its own endpoint: every one is acknowledged, every one ends in exactly one card,
 * and no more than MAX_CONCURRENT_DIAGNOSES of them probe at once. Counted at the endpoints: each host serves one
 * diagnosis, so a diagnosis is "probing" from its host's first request to its last response, as the hosts saw them.
 */
test('a burst of commands: all get one card each, and at most the cap of diagnoses probe at once (seen by the endpoints)', async () => {
  const N = 10;
  const CAP = 2;
  const names = Array.from({ length: N }, (_, i) => `h${i}.burst.test`);
  const hosts = await startCountingHosts(names, { delayMs: 20 });
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-burst-')), 'bot.db'));
  const h = await startHarness({
    only: ['healthy'],
    settings: { MAX_CONCURRENT_DIAGNOSES: String(CAP), ACK_QUIET_MS: '50' },
    deps: { net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [hosts.caPem], hosts: hosts.hosts }), store },
  });
  try {
    const acks = await Promise.all(names.map((n, i) => h.driver.command(`ses_${i} "Burst ${i}" ${hosts.host(n).origin}/orders`, { channel: `CBURST${i}` })));
    for (const a of acks) {
      assert.equal(a.status, 200);
      assert.match(String(a.json?.['text']), /^Diagnosing /, a.body);
    }
    await h.slack.waitFor(() => names.every((_, i) => finalCard(h.slack, `CBURST${i}`)), 60_000, 'every card');
    for (let i = 0; i < N; i++) assert.equal(h.slack.channel(`CBURST${i}`).length, 1, `channel ${i}: one card, not ${h.slack.channel(`CBURST${i}`).length}`);

    const spans = names.map((n) => {
      const iv = hosts.host(n).intervals;
      assert.ok(iv.length > 0, `${n} was never probed`);
      return [Math.min(...iv.map((x) => x[0])), Math.max(...iv.map((x) => x[1]))] as const;
    });
    // The most spans open at one moment: +1 at each start, -1 at each end (an end before a start at the same instant).
    const edges = spans.flatMap(([s, e]) => [[s, 1], [e, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let peak = 0;
    for (const [, d] of edges) peak = Math.max(peak, (open += d));
    assert.ok(peak <= CAP, `${peak} diagnoses probed at once with MAX_CONCURRENT_DIAGNOSES=${CAP}`);
  } finally {
    await h.close();
    await store.close();
    await hosts.close();
  }
});
