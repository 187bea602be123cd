// The floor for ack latency: a bare Bolt app that only acks, started like ours, measured by the same driver.
import bolt from '@slack/bolt';

const receiver = new bolt.HTTPReceiver({ signingSecret: process.env['SLACK_SIGNING_SECRET']!, endpoints: '/slack/events', logLevel: bolt.LogLevel.ERROR });
const app = new bolt.App({ token: 'xoxb-baseline', botId: 'B', botUserId: 'U', receiver, logLevel: bolt.LogLevel.ERROR, clientOptions: { slackApiUrl: process.env['SLACK_API_URL']! } });
app.command(/.*/, async ({ ack }) => ack({ response_type: 'ephemeral', text: 'ok' }));
const server = (await app.start(0)) as unknown as { address(): { port: number } };
process.stderr.write(`{"port":${server.address().port}}\n`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
