import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, finalCard } from '../helpers/slack-harness.js';
import { startFakeOpenCx, demoDataset } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { startLab } from '../../src/lab/index.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { storeSink } from '../../src/slack/support.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Family 4 with no endpoint (issue 16, item 4), the Slack face: the same path and verdict as the CLI.
test('Slack: a session and a mistyped action name, no endpoint: a card with the missing action and the closest names', async () => {
  const lab = await startLab({ only: ['healthy'] });
  const api = await startFakeOpenCx({ data: demoDataset({ order: lab.scenarios[0]!.url }) });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  // With the database: an endpoint-less diagnosis is stored like any other (its report keeps endpoint: null).
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ad-noep-')), 'ad.db'));
  const h = await startHarness({ lab, deps: { store, sinks: [storeSink(store)], services: { opencx: new OpenCxFacts(client) } } });
  try {
    const ack = await h.driver.command('ses_web "Lookup ordr"', { channel: 'C4N' });
    assert.ok(ack.ms < 3000);
    const card = await h.slack.waitFor(() => finalCard(h.slack, 'C4N'), 20_000, 'the card');
    const text = blocksToText(card.blocks);
    assert.match(text, /FAMILY 4 · THE AI NEVER CALLS THE ACTION/);
    assert.match(text, /opencx-action-missing/);
    assert.match(text, /Did you mean "Look up order"\?/);
    assert.match(text, /Endpoint none known/);
    assert.equal(lab.requests('healthy').length, 0, 'no endpoint was probed');
    const ephemerals = JSON.stringify(h.slack.calls);
    assert.doesNotMatch(ephemerals, /missing an endpoint/);
    assert.ok(!ephemerals.includes(api.key), 'the OpenCX key never reaches Slack');
    const read = () => store.db.prepare('SELECT cause, report_json FROM diagnoses').all() as { cause: string; report_json: string }[];
    // The report is stored by a sink once the card is final: wait for it (bounded).
    for (let i = 0; i < 50 && read().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const rows = read();
    assert.deepEqual(rows.map((r) => [r.cause, (JSON.parse(r.report_json) as { input: { endpoint: unknown } }).input.endpoint]), [['opencx-action-missing', null]]);
  } finally {
    await h.close();
    await client.close();
    await api.close();
    await lab.close();
    await store.close();
  }
});
