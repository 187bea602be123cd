import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, SlackDriver, type FakeSlack } from '../../src/fakes/slack/index.js';
import { createSlackApp, type SlackApp, type SlackAppDeps } from '../../src/slack/app.js';
import { SlackSettingsSchema, type SlackSettingsInput } from '../../src/slack/settings.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { silentLogger } from '../../src/log.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token-planted-7f3a9c';

export interface Harness {
  lab: Lab;
  slack: FakeSlack;
  app: SlackApp;
  driver: SlackDriver;
  url(id: string): string;
  close(): Promise<void>;
}

/** The real Bolt app over real HTTP, talking to a fake Slack and probing the lab. */
export async function startHarness(opts: { lab?: Lab; slack?: FakeSlack; settings?: Partial<SlackSettingsInput>; deps?: Partial<SlackAppDeps>; only?: string[] } = {}): Promise<Harness> {
  const lab = opts.lab ?? (await startLab(opts.only ? { only: opts.only } : {}));
  const slack = opts.slack ?? (await startFakeSlack());
  const settings = SlackSettingsSchema.parse({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT',
    SLACK_API_URL: slack.apiUrl, CARD_UPDATE_INTERVAL_MS: '50', SLACK_LOG_LEVEL: 'error', ...opts.settings,
  });
  const app = createSlackApp(settings, {
    net: NetOptionsSchema.parse({ allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts }),
    logger: silentLogger,
    ...opts.deps,
  });
  const { port } = await app.start(0);
  const driver = new SlackDriver(`http://127.0.0.1:${port}`, SIGNING_SECRET, slack);
  return {
    lab, slack, app, driver,
    url: (id) => lab.scenarios.find((s) => s.id === id)!.url,
    async close() {
      await app.stop();
      // The fake Slack refuses what real Slack refuses: any test whose app sent such a payload fails here.
      if (!opts.slack && slack.refused.length) {
        const refused = slack.refused.map((r) => `${r.via} ${r.method}: ${r.error} ${r.errors.slice(0, 3).join('; ')}`).join('\n');
        await slack.close();
        if (!opts.lab) await lab.close();
        throw new Error(`Slack would have refused ${slack.refused.length} payload(s):\n${refused}`);
      }
      if (!opts.slack) await slack.close();
      if (!opts.lab) await lab.close();
    },
  };
}

/** The final card in a channel: a message whose latest version has the Re-run button. */
export function finalCard(slack: FakeSlack, channel: string) {
  return slack.channel(channel).find((m) => JSON.stringify(m.blocks).includes('"ad_rerun"'));
}
