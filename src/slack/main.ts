/** `npm start`: the Slack app with the HTTP receiver on PORT (or Socket Mode with SLACK_APP_TOKEN). */
import { SlackSettingsSchema } from './settings.js';
import { createSlackApp } from './app.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { LimitsSettingsSchema } from '../limits/diagnosis-limits.js';
import { createLogger } from '../log.js';

const log = createLogger({ name: 'action-debug' });
const parsed = SlackSettingsSchema.safeParse(process.env);
if (!parsed.success) {
  process.stderr.write(`action-debug: ${parsed.error.issues.map((i) => i.message).join('; ')}\nSee .env.example for every setting.\n`);
  process.exit(2);
}
const app = createSlackApp(parsed.data, { net: netOptionsFromEnv(process.env), limits: LimitsSettingsSchema.parse(process.env), logger: log });
const { port } = await app.start();
log.info({ port, socketMode: Boolean(parsed.data.SLACK_APP_TOKEN) }, 'action-debug listening: /slack/events, /healthz');
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log.info('stopping: waiting for running diagnoses');
    void app.stop().then(() => process.exit(0));
  });
}
