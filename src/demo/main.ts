/**
 * `npm run demo`: the main job on an embedded default. Starts a lab of misbehaving HTTPS endpoints, a fake Slack and
 * the real Slack app, sends `/action-debug` for each lab endpoint exactly as Slack would (signed), and prints each
 * final card as a user would read it. Block Kit JSON for each card goes to demo-output/ (paste into Block Kit Builder).
 * Talks only to 127.0.0.1; needs no token.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startLab } from '../lab/index.js';
import { startFakeSlack, SlackDriver } from '../fakes/slack/index.js';
import { createSlackApp } from '../slack/app.js';
import { SlackSettingsSchema } from '../slack/settings.js';
import { NetOptionsSchema } from '../net/options.js';
import { LimitsSettingsSchema } from '../limits/diagnosis-limits.js';
import { silentLogger } from '../log.js';
import { blocksToText } from '../render/blocks-text.js';
import { startFakeOpenCx, demoDataset } from '../fakes/opencx/server.js';
import { OpenCxClient } from '../opencx/client.js';
import { OpenCxFacts } from '../opencx/facts.js';
import { OpenCxSettingsSchema } from '../opencx/settings.js';

const OUT = 'demo-output';

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const lab = await startLab(only.length ? { only } : {});
  const slack = await startFakeSlack();
  // A fake OpenCX API whose "Look up order" action calls the lab's healthy endpoint: the family-4 causes live in OpenCX.
  const healthyUrl = lab.scenarios.find((s) => s.id === 'healthy')?.url;
  const opencxApi = await startFakeOpenCx({ data: demoDataset(healthyUrl ? { order: healthyUrl } : {}) });
  // Each lab endpoint is an action of its own in OpenCX, live on the widget, with a session that asked for it.
  lab.scenarios.forEach((sc, i) => {
    opencxApi.data.actions.push({ id: `act_lab_${i}`, name: `Lab: ${sc.id}`, description: `Fetch ${sc.title}`, api_endpoint: sc.url, request_type: sc.method, status: 'live', enabled_on_channel: { channels: ['web'] } });
    opencxApi.data.sessions[`ses_demo_${i}`] = { id: `ses_demo_${i}`, status: 'open', channel: { type: 'web' }, contact: { id: 'con_vip' } };
    opencxApi.data.history[`ses_demo_${i}`] = [{ created_at: new Date().toISOString(), event: { type: 'message', sender: { type: 'contact' }, content: { type: 'text', text: `Please ${sc.title.toLowerCase()}` } } }];
  });
  const opencxSettings = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: opencxApi.key, OPENCX_API_URL: opencxApi.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const opencxClient = new OpenCxClient({ ...opencxSettings, OPENCX_API_KEY: opencxSettings.OPENCX_API_KEY! });
  const secret = 'demo-signing-secret';
  const app = createSlackApp(
    SlackSettingsSchema.parse({
      SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: 'xoxb-demo', SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT',
      SLACK_API_URL: slack.apiUrl, CARD_UPDATE_INTERVAL_MS: '200', SLACK_LOG_LEVEL: 'error',
    }),
    {
      net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts }),
      limits: LimitsSettingsSchema.parse({ DIAGNOSES_PER_USER_PER_HOUR: '1000', DIAGNOSES_PER_WORKSPACE_PER_HOUR: '1000' }),
      logger: silentLogger,
      services: { opencx: new OpenCxFacts(opencxClient) },
    },
  );
  const { port } = await app.start(0);
  const driver = new SlackDriver(`http://127.0.0.1:${port}`, secret, slack);
  mkdirSync(OUT, { recursive: true });
  process.stdout.write(`action-debug demo: the Slack app on 127.0.0.1:${port}, a fake Slack, a fake OpenCX API, and ${lab.scenarios.length} lab endpoints that each fail one real way.\n\n`);

  const limit = pLimit(4);
  let right = 0;
  // The lab's endpoints, plus four sessions in the fake OpenCX where the endpoint is fine but the AI never calls the action.
  const auth = 'header="Authorization: Bearer lab-token-healthy"';
  const family4 = healthyUrl
    ? [
        { id: 'opencx-channel-off', title: 'An email session; the action is enabled on the widget only', command: `ses_email "Look up order" ${auth}`, expect: 'opencx-channel-off' },
        { id: 'opencx-unknown-action', title: 'A typo in the action name', command: `ses_web "Lookup order" ${healthyUrl} ${auth}`, expect: 'opencx-action-missing' },
        { id: 'opencx-handoff', title: 'The AI handed off: no tool for "where is my order"', command: `ses_handoff "Look up order" ${auth}`, expect: 'opencx-handoff-insufficient-tools' },
        { id: 'opencx-vague-description', title: 'An action described as "Refunds"', command: `ses_web "Refund" ${healthyUrl} ${auth}`, expect: 'opencx-description-short' },
      ]
    : [];
  const cases = [
    ...lab.scenarios.map((s, i) => ({
      id: s.id, title: s.title, expect: s.expect.cause,
      command: `ses_demo_${i} "Lab: ${s.id}" ${s.url} ${[s.method !== 'GET' ? `method=${s.method}` : '', ...s.headers.map((h) => `header="${h}"`), s.timeoutMs ? `timeout=${s.timeoutMs / 1000}` : ''].filter(Boolean).join(' ')}`.trim(),
    })),
    ...family4,
  ];
  try {
    const results = await Promise.all(
      cases.map((s, i) =>
        limit(async () => {
          const channel = `C${String(i).padStart(3, '0')}`;
          const command = s.command;
          const ack = await driver.command(command, { channel, user: `U0DEMO${i}` });
          const card = await slack.waitFor(() => slack.channel(channel).find((m) => JSON.stringify(m.blocks).includes('"ad_rerun"')), 60_000, `the card for ${s.id}`);
          await slack.waitFor(() => slack.thread(channel, card.ts).length >= 2, 10_000, `the thread for ${s.id}`);
          writeFileSync(join(OUT, `${s.id}.json`), JSON.stringify({ blocks: card.blocks }, null, 2));
          const shown = blocksToText(card.blocks);
          const ok = s.expect === 'none' ? shown.includes('NO PROBLEM FOUND') : shown.includes(`\`${s.expect}\``);
          return { s, ack, card, shown, ok, thread: slack.thread(channel, card.ts).length, command };
        }),
      ),
    );
    for (const r of results) {
      if (r.ok) right++;
      process.stdout.write(`━━━ ${r.s.id}: ${r.s.title}\n/action-debug ${r.command.replace(/header="Authorization: [^"]*"/, 'header="Authorization: …"')}\n`);
      process.stdout.write(`(acknowledged in ${Math.round(r.ack.ms)} ms; card updated ${r.card.versions.length - 1}×; ${r.thread} messages in its thread)\n\n`);
      process.stdout.write(r.shown.split('\n').map((l) => `  │ ${l}`).join('\n') + '\n');
      if (!r.ok) process.stdout.write(`  (expected ${r.s.expect})\n`);
      process.stdout.write('\n');
    }
    process.stdout.write(`${right}/${cases.length} cards name the expected cause. Block Kit JSON for each card: ${OUT}/<id>.json\n`);
    // The fake Slack is as strict as Slack's reference pages: a payload it refused is one real Slack would refuse.
    process.stdout.write(`Slack refused ${slack.refused.length} payload(s); ${slack.rateLimited.length} call(s) were rate-limited (429) and retried after Retry-After.\n`);
    for (const r of slack.refused) process.stdout.write(`  refused ${r.via} ${r.method}: ${r.error} ${r.errors.slice(0, 3).join('; ')}\n`);
    if (slack.refused.length) right = -1;
  } finally {
    await app.stop();
    await slack.close();
    await opencxClient.close();
    await opencxApi.close();
    await lab.close();
  }
  return right === cases.length ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
