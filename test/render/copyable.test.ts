import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mrkdwnEscape } from '../../src/render/slack-limits.js';
import { ticketBlocks, TicketSchema } from '../../src/render/ticket.js';
import { mrkdwnProblems } from '../helpers/hostile-text.js';
import { seededRandom } from '../helpers/seeded-random.js';

// What people copy out of Slack (an endpoint, a URL from evidence, a header name, an action name to paste back into
// `watch stop`) must be what was sent: a look-alike (`ˍ`, `∗`, `∼`) in it makes the copy match nothing, and a bare URL is
// auto-linked by Slack (to a different path, once look-alikes are in it). The one escaping rule shows such a word as
// typed, in a code span; every other word keeps the look-alike rule, and nothing from outside formats either way.

/** Words people copy: each has a `*`, `_` or `~` that is not inside an ASCII word, or is a URL. */
const COPYABLE = [
  'https://api.acme.test/v1/_search/orders/*', 'https://api.acme.test/~legacy/orders_', 'http://127.0.0.1:8080/a_b?x=_1',
  '__Host-session', 'x-opencx-*', '_internal_lookup', 'café_au_lait', '*PWN*', '~PWN~', '_PWN_', 'orders_', 'x＊PWN＊x',
];
/** Words that need nothing: shown as they are, no span. */
const PLAIN = ['ses_web', 'x_request_id', 'plain', '403', 'Forbidden', 'a.b-c'];

test('a word people copy is shown as typed in a code span, whatever surrounds it; nothing from outside formats', () => {
  const rnd = seededRandom(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  for (let n = 0; n < 500; n++) {
    const words = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => (rnd() < 0.5 ? pick(COPYABLE) : pick(PLAIN)));
    const punct = pick(['', '.', ',', ':', ')']);
    const open = pick(['', '(']);
    const text = `${pick(['Saved: ', 'Location: ', 'Sent ', ''])}${open}${words.join(pick([' ', '  ', '\n']))}${punct}`;
    const out = mrkdwnEscape(text);
    assert.deepEqual(mrkdwnProblems(out), [], `${JSON.stringify(text)} -> ${JSON.stringify(out)}`);
    for (const w of words) {
      if (COPYABLE.includes(w)) assert.ok(out.includes('`' + w + '`'), `${w} shown as typed in ${JSON.stringify(out)}`);
      else assert.ok(new RegExp(`(^|[\\s(])${w.replace(/[.]/g, '\\.')}([\\s.,:)]|$)`).test(out), `${w} left as is in ${JSON.stringify(out)}`);
    }
    assert.doesNotMatch(out, /[\u02CD\u2217\u223C]/, 'no look-alike for `*_~` is left');
  }
});

test("a ticket's endpoint and the URLs in its evidence are shown as typed (code spans), so support can copy them", () => {
  const endpoint = 'https://api.acme.test/v1/_search/orders/*';
  const t = TicketSchema.parse({
    number: 7, status: 'open', createdAt: '2026-11-26T08:00:00Z', createdBy: 'U0ALICE', diagnosisId: 'd1', action: '_internal_lookup', session: 'ses_web',
    endpoint, method: 'GET', family: 2, familyTitle: 'Auth', cause: 'waf-blocks-opencx-headers', title: 'Cloudflare blocks the x-opencx-* headers',
    fix: 'Allow request headers matching x-opencx-* through the WAF.', evidence: ['Location: https://api.acme.test/~legacy/orders_', 'Set-Cookie name __Host-session'],
    alsoFound: [], tried: [], firstFailureAt: null, threadLink: null, expected: 'x', impact: 'y', urgency: 'low', resolvedBy: null, resolvedAt: null,
  });
  const text = JSON.stringify(ticketBlocks(t).blocks);
  for (const w of [endpoint, 'https://api.acme.test/~legacy/orders_', '__Host-session']) assert.ok(text.includes(JSON.stringify('`' + w + '`').slice(1, -1)), `${w} in ${text}`);
  assert.doesNotMatch(text, /[\u02CD\u2217\u223C]/);
});
