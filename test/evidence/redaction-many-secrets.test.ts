import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../helpers/seeded-random.js';
import { knownSecrets, rememberSecret } from '../../src/core/secret.js';
import { redactText } from '../../src/core/redact.js';

/** What redactText must do, written the slow, obvious way: every known secret, longest first, against the text. */
function reference(text: string): string {
  let out = text;
  for (const v of knownSecrets()) if (out.includes(v)) out = out.split(v).join('[redacted]');
  return out;
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
      assert.equal(redactText(text), reference(text), `${knownSecrets().length} known: ${JSON.stringify(text)}`);
    }
  }
  // The cap held, and the oldest were forgotten (an evicted value is no longer scrubbed, as the reference says).
  assert.ok(knownSecrets().length <= 10_000);
  assert.equal(redactText('x lab-token-abcdef-42 y'), reference('x lab-token-abcdef-42 y'));
  rememberSecret('lab-token-abcdef-42');
  assert.equal(redactText('x lab-token-abcdef-42 y'), 'x [redacted] y');
});
