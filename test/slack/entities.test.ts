import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, finalCard } from '../helpers/slack-harness.js';
import { decodeSlackEntities, parseSlashCommand } from '../../src/slack/parse-command.js';

test('Slack\'s &amp; &lt; &gt; are undone before parsing: ?a=1&b=2 is probed as typed (signed command, real app)', async () => {
  const h = await startHarness({ only: ['healthy'] });
  try {
    const url = `${h.url('healthy')}?a=1&b=2`;
    // The driver encodes the text as Slack does: the app receives "?a=1&amp;b=2".
    await h.driver.command(`ses_1 "Look up order" ${url} header="Authorization: Bearer lab-token-healthy"`, { channel: 'CENT' });
    await h.slack.waitFor(() => finalCard(h.slack, 'CENT'), 20_000, 'the card');
    const paths = h.lab.requests('healthy').map((r) => r.path);
    assert.ok(paths.some((p) => p.endsWith('?a=1&b=2')), `probed as: ${paths.join(' ')}`);
    assert.ok(!paths.some((p) => p.includes('&amp;')));
  } finally {
    await h.close();
  }
});

test('decoding: links Slack wrapped keep their URL; a typed "&lt;" stays text; every token is decoded', () => {
  assert.equal(decodeSlackEntities('a &amp;lt; b'), 'a &lt; b');
  const p = parseSlashCommand('ses &quot;x&quot; <https://api.example.com/o?a=1&amp;b=2|api.example.com/o> spec=<https://s.example/o.json?x=1&amp;y=2> param.id=1&amp;2');
  assert.equal(p.kind, 'diagnose');
  if (p.kind !== 'diagnose') return;
  assert.equal(p.draft.endpoint, 'https://api.example.com/o?a=1&b=2');
  assert.equal(p.draft.spec, 'https://s.example/o.json?x=1&y=2');
  assert.equal((p.draft.pathParams as Record<string, string>)["id"], "1&2");
});
