import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { blocksToText } from '../../src/render/blocks-text.js';

// Issue 13.1 / 17.1: from Slack a spec is an https:// URL or a shared file; a path is refused in one line, unread.
const MARKER = 'MARKER-server-file-7c1e';
let h: Harness;
let secretFile: string;
before(async () => {
  h = await startHarness({ only: ['healthy'] });
  const dir = mkdtempSync(join(tmpdir(), 'ad-spec-'));
  secretFile = join(dir, 'shadow.yaml');
  // Invalid YAML that quotes the marker: a parse error posted anywhere would carry it.
  writeFileSync(secretFile, `openapi: "3.0.0\n  root:${MARKER}: [\n`);
});
after(async () => h?.close());

const wire = () => JSON.stringify(h.slack.calls.map((c) => c.args)) + JSON.stringify(h.slack.responses);
const REFUSAL = /From Slack, a spec is an `?https:\/\/`? URL, or a \.json\/\.yaml file shared in the card's thread/;

test('slash command: spec=<path>, file:, http: and typed slack-file: keys are refused in the ack; no card, nothing read', async () => {
  const specs = [secretFile, '/etc/passwd', `file://${secretFile}`, 'http://spec.example/openapi.json', '../../etc/shadow', 'slack-file:F0OTHER/orders.yaml', '/dev/zero'];
  for (const [i, spec] of specs.entries()) {
    const ch = `CSPEC${i}`;
    const r = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')} spec=${spec}`, { channel: ch });
    assert.equal(r.status, 200);
    assert.equal(r.json?.['response_type'], 'ephemeral', spec);
    assert.match(String(r.json?.['text']), REFUSAL, spec);
    assert.doesNotMatch(String(r.json?.['text']), /Usage/, 'one line, not the usage');
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const i of specs.keys()) assert.equal(h.slack.channel(`CSPEC${i}`).length, 0, 'no card was started');
  assert.ok(!wire().includes(MARKER));
});

test('the form: a path in the spec field is a field error; nothing starts', async () => {
  const values = {
    session: { v: { value: 'ses_7' } }, action: { v: { value: 'Look up order' } }, endpoint: { v: { value: h.url('healthy') } },
    method: { v: { selected_option: { value: 'GET' } } }, spec: { v: { value: secretFile } }, authorization: { v: { value: null } },
    burst: { v: { value: null } }, owner: { v: { selected_options: [] } },
  };
  const r = await h.driver.submitView({ id: 'V1', callback_id: 'ad_diagnose_modal', private_metadata: JSON.stringify({ channel: 'CSPECF' }) }, values);
  assert.equal(r.json?.['response_action'], 'errors');
  assert.match(String((r.json?.['errors'] as Record<string, string>)['spec']), REFUSAL);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(h.slack.channel('CSPECF').length, 0);
});

test('mention in a card thread: spec <path> answers one line and re-runs nothing (thread-flow.test.ts shows an https spec still re-runs)', async () => {
  await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'CSPECM' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CSPECM'), 20_000, 'the card');
  await h.slack.waitFor(() => h.slack.thread('CSPECM', card.ts).length >= 2, 5000, 'the thread');
  const versions = card.versions.length;
  for (const spec of [secretFile, `<file://${secretFile}>`, '/dev/zero']) {
    const n = h.slack.thread('CSPECM', card.ts).length;
    await h.driver.mention(`spec ${spec}`, { channel: 'CSPECM', threadTs: card.ts });
    const reply = await h.slack.waitFor(() => h.slack.thread('CSPECM', card.ts)[n], 5000, 'the refusal');
    assert.match(reply.text, REFUSAL);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(card.versions.length, versions, 'the card was not re-run');
  assert.ok(!wire().includes(MARKER));
  assert.ok(h.slack.thread('CSPECM', card.ts).every((m) => !/Re-run with the spec/.test(blocksToText(m.blocks))));
});
