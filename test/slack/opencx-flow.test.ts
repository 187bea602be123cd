import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, finalCard } from '../helpers/slack-harness.js';
import { startFakeOpenCx, demoDataset } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { startLab } from '../../src/lab/index.js';
import { blocksToText } from '../../src/render/blocks-text.js';

test('session + action only: the saved endpoint is probed, and the card names family 4 (channel off)', async () => {
  const lab = await startLab({ only: ['healthy'] });
  const healthy = lab.scenarios[0]!;
  const api = await startFakeOpenCx({ data: demoDataset({ order: healthy.url }) });
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  const h = await startHarness({ lab, deps: { services: { opencx: new OpenCxFacts(client) } } });
  try {
    const ack = await h.driver.command('ses_email "Look up order"', { channel: 'C4F' });
    assert.match(String(ack.json?.['text']), /Looking up "Look up order" in OpenCX/);
    assert.ok(ack.ms < 3000);
    const card = await h.slack.waitFor(() => finalCard(h.slack, 'C4F'), 20_000, 'the card');
    const text = blocksToText(card.blocks);
    assert.match(text, /FAMILY 4 · THE AI NEVER CALLS THE ACTION/);
    assert.match(text, /opencx-channel-off/);
    assert.match(text, /Fix: Turn on "email" in the action's Channels/);
    assert.match(text, new RegExp(`Endpoint GET healthy\\.lab\\.test`));
    assert.ok(lab.requests('healthy').length > 0, 'the saved endpoint was really probed');
    assert.ok(!JSON.stringify(h.slack.calls).includes(api.key), 'the OpenCX key never reaches Slack');
  } finally {
    await h.close();
    await client.close();
    await api.close();
    await lab.close();
  }
});
