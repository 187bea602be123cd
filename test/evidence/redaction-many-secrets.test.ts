import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../helpers/seeded-random.js';
import { foldCase, knownSecrets, longestSecret, rememberSecret, Secret } from '../../src/core/secret.js';
import { redactText } from '../../src/core/redact.js';

/**
 * What redactText must do, written the slow, obvious way: every occurrence of every known secret, in any case, found by
 * trying each one against the text; overlapping occurrences become one [redacted].
 */
function reference(text: string): string {
  const f = foldCase(text);
  const hits: Array<[number, number]> = [];
  for (const v of knownSecrets()) for (let i = f.indexOf(v); i !== -1; i = f.indexOf(v, i + 1)) hits.push([i, i + v.length]);
  hits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  let open: [number, number] | null = null;
  for (const [s, e] of hits) {
    if (open && s < open[1]) open[1] = Math.max(open[1], e);
    else {
      if (open) (out += text.slice(pos, open[0]) + '[redacted]'), (pos = open[1]);
      open = [s, e];
    }
  }
  if (open) (out += text.slice(pos, open[0]) + '[redacted]'), (pos = open[1]);
  return out + text.slice(pos);
}

test('invariant: with a few or thousands of known secrets (and past the cap), redactText scrubs exactly as trying every one would', () => {
  const rand = seededRandom(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const word = (n: number) => Array.from({ length: n }, () => pick('abcdefghijklmnopqrstuvwxyzAB0123456789+/=_-%'.split(''))).join('');
  const remembered: string[] = [];
  // Secrets sharing prefixes, nested in each other, and past MAX_KNOWN (10 000 values with their encodings).
  for (const target of [5, 40, 63, 64, 65, 300, 3000, 12_000]) {
    while (knownSecrets().length < target && remembered.length < 6000) {
      for (let k = 0; k < Math.max(1, Math.floor(target / 100)); k++) {
        const base = rand() < 0.3 && remembered.length ? pick(remembered) : word(6 + Math.floor(rand() * 20));
        const v = rand() < 0.3 ? `${base}${word(1 + Math.floor(rand() * 4))}` : rand() < 0.5 ? `Bearer ${base}` : base;
        rememberSecret(v);
        remembered.push(v);
      }
    }
    for (let i = 0; i < 60; i++) {
      const parts = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => (rand() < 0.5 ? pick(remembered) : rand() < 0.5 ? pick(knownSecrets()) : word(Math.floor(rand() * 12))));
      const text = parts.join(pick(['', ' ', '&x=', '"', '\n']));
      const variant = rand() < 0.5 ? text : rand() < 0.5 ? text.toUpperCase() : text.toLowerCase();
      const out = redactText(variant);
      assert.equal(out, reference(variant), `${knownSecrets().length} known: ${JSON.stringify(variant)}`);
      // And what that means: no known secret is left in the output, in any case.
      assert.deepEqual(knownSecrets().filter((v) => foldCase(out).includes(v)), [], JSON.stringify(variant));
    }
    // The longest known value, kept as values come and go (past the cap too), is the true longest.
    assert.equal(longestSecret(), Math.max(...knownSecrets().map((v) => v.length)));
  }
  // The cap held, and the oldest were forgotten (an evicted value is no longer scrubbed, as the reference says).
  assert.ok(knownSecrets().length <= 10_000);
  assert.equal(redactText('x lab-token-abcdef-42 y'), reference('x lab-token-abcdef-42 y'));
  rememberSecret('lab-token-abcdef-42');
  assert.equal(redactText('x lab-token-abcdef-42 y'), 'x [redacted] y');
});

test('a secret in use is never forgotten: revealing it (to send it) makes it the newest, however many came after', () => {
  const inUse = new Secret('Bearer in_use_long_ago_0123456789');
  for (let i = 0; i < 1200; i++) rememberSecret(`Bearer filler_${i}_abcdefghijklmnop`);
  inUse.reveal();
  for (let i = 0; i < 300; i++) rememberSecret(`Bearer later_${i}_abcdefghijklmnop`);
  assert.equal(redactText('echo IN_USE_LONG_AGO_0123456789'), 'echo [redacted]');
  const forgotten = new Secret('Bearer never_sent_again_0123456789');
  for (let i = 0; i < 1500; i++) rememberSecret(`Bearer more_${i}_abcdefghijklmnop`);
  assert.equal(redactText('echo never_sent_again_0123456789'), 'echo never_sent_again_0123456789', 'the cap holds for what is no longer used');
  void forgotten;
});
