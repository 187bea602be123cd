/**
 * Cutting Slack text to a limit, over generated mrkdwn (outside text escaped, in code spans and blocks, among our own
 * mentions, dates and bold) and every limit from 1 to past its length: the result fits with its pointer, is a prefix
 * of the text cut on a grapheme boundary (never inside a surrogate pair, an emoji or before a combining mark), never
 * stops inside an entity, a `<…>` token or a code span (an open span is closed), and keeps all it can.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { code, codeBlock, cut, cutPlain, mrkdwnEscape } from '../../src/render/slack-limits.js';
import { hostileStrings, mrkdwnProblems, unsafeChar } from '../helpers/hostile-text.js';
import { seededRandom } from '../helpers/seeded-random.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const boundaries = (s: string) => new Set([...[...graphemes.segment(s)].map((g) => g.index), s.length]);

/** Our own markup around escaped outside text, as the renderers build it. */
function mrkdwnCases(seed: number, n: number): string[] {
  const rnd = seededRandom(seed);
  const outside = hostileStrings(seed, n * 3);
  const ours = ['*Action* ', '<@U0ALICE>', '<!date^1767225600^{date_short_pretty}|2026-01-01 00:00 UTC>', '\n• ', '  ·  ', ':warning: ', '*Fix:* '];
  return Array.from({ length: n }, (_, i) => {
    const parts: string[] = [];
    for (let k = 0; k < 6; k++) {
      const o = outside[(i * 3 + k) % outside.length]!;
      const r = rnd();
      parts.push(ours[Math.floor(rnd() * ours.length)]!, r < 0.4 ? mrkdwnEscape(o) : r < 0.7 ? code(o).text : r < 0.8 ? codeBlock(o).text : mrkdwnEscape(o.slice(0, 30)));
    }
    return parts.join('');
  });
}

test('cut: fits, is a prefix on a grapheme boundary, leaves no entity, token or code span broken, keeps all it can', () => {
  const failures: string[] = [];
  let checked = 0;
  for (const [c, text] of mrkdwnCases(11, 40).entries()) {
    const edges = boundaries(text);
    // Every limit up to 400, then a sample up to past the end (Slack's limits are 75 to 4000).
    const rnd = seededRandom(c);
    const maxes = [...Array.from({ length: 400 }, (_, i) => i + 1), ...Array.from({ length: 40 }, () => 400 + Math.floor(rnd() * (text.length - 398)))];
    for (const max of maxes) {
      for (const asked of max % 2 ? ['… (more in the thread)', ''] : ['…']) {
        const out = cut(text, max, asked);
        // A pointer longer than the limit itself becomes a bare ellipsis.
        const pointer = asked.length > max ? '…' : asked;
        checked++;
        const where = `case ${c} max ${max} pointer ${JSON.stringify(pointer)}: ${JSON.stringify(out.slice(-60))}`;
        if (text.length <= max) {
          if (out !== text) failures.push(`${where}: cut although it fits`);
          continue;
        }
        if (out.length > max && max >= pointer.length) failures.push(`${where}: ${out.length} > ${max}`);
        if (!out.endsWith(pointer)) failures.push(`${where}: no pointer`);
        const body = out.slice(0, out.length - pointer.length).replace(/`{1,3}$/, (closer, at: number) => (text.startsWith(closer, at) ? closer : ''));
        if (!text.startsWith(body)) failures.push(`${where}: not a prefix of the text`);
        else if (!edges.has(body.length)) failures.push(`${where}: cut inside a grapheme`);
        for (const p of mrkdwnProblems(out)) failures.push(`${where}: ${p}`);
        // Backing off past a token or an entity, or dropping an empty code span, costs a bounded number of characters.
        if (max - pointer.length > 200 && body.length < max - pointer.length - 3 - 90) failures.push(`${where}: kept only ${body.length}`);
      }
    }
  }
  assert.ok(checked > 20_000, `only ${checked} cuts checked`);
  assert.deepEqual(failures.slice(0, 15), [], `${failures.length} failures`);
});

test('cutPlain: fits, is a prefix on a grapheme boundary, no lone surrogate', () => {
  const failures: string[] = [];
  for (const [c, text] of hostileStrings(12, 80).entries()) {
    const clean = text.replace(/[\uD800-\uDFFF]/g, (ch, i: number) => (/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text.slice(i, i + 2)) || /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text.slice(i - 1, i + 1)) ? ch : '?'));
    const edges = boundaries(clean);
    for (let max = 1; max <= clean.length + 1; max += Math.max(1, Math.floor(clean.length / 60))) {
      const out = cutPlain(clean, max);
      const body = clean.length <= max ? out : out.slice(0, -1);
      if (out.length > max) failures.push(`case ${c} max ${max}: too long`);
      if (!clean.startsWith(body) || !edges.has(body.length)) failures.push(`case ${c} max ${max}: not a prefix on a grapheme boundary`);
      const lone = unsafeChar(out.replace(/[^\uD800-\uDFFF]/g, 'x'));
      if (lone) failures.push(`case ${c} max ${max}: ${lone}`);
    }
  }
  assert.deepEqual(failures.slice(0, 15), [], `${failures.length} failures`);
});
