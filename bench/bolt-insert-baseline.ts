// The floor for ack latency now that acks commit first: a bare Bolt app that, like ours, records each command as one row
// before it acks: the same SQLite file setup (openDb: WAL, synchronous=NORMAL, the project's schema with its indexes) and
// the same INSERT into the work table. Nothing else: no parsing of the command, no gate, no limits, no logging. Started
// like ours and measured by the same driver; what action-debug takes above it is ours.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import { openDb } from '../src/store/db.js';

const db = openDb(join(mkdtempSync(join(tmpdir(), 'ad-bench-floor-')), 'floor.db'));
const insert = db.prepare(`INSERT INTO work (id, kind, state, dedupe_key, card_id, card_ts, workspace, channel, requester, payload_json, due_at, claimed_by, lease_until, attempts, created_at, updated_at)
  VALUES (@id, 'diagnose', 'running', @dedupeKey, NULL, NULL, @workspace, @channel, @requester, @payload, @now, 'floor', @lease, 1, @now, @now) ON CONFLICT(dedupe_key) DO NOTHING`);

const receiver = new bolt.HTTPReceiver({ signingSecret: process.env['SLACK_SIGNING_SECRET']!, endpoints: '/slack/events', logLevel: bolt.LogLevel.ERROR });
const app = new bolt.App({ token: 'xoxb-baseline', botId: 'B', botUserId: 'U', receiver, logLevel: bolt.LogLevel.ERROR, clientOptions: { slackApiUrl: process.env['SLACK_API_URL']! } });
app.command(/.*/, async ({ command, ack }) => {
  const now = Date.now();
  insert.run({ id: randomUUID(), dedupeKey: `trigger:${command.trigger_id}`, workspace: command.team_id, channel: command.channel_id, requester: command.user_id, payload: JSON.stringify({ text: command.text }), now, lease: now + 30_000 });
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
const server = (await app.start(0)) as unknown as { address(): { port: number } };
process.stderr.write(`{"port":${server.address().port}}\n`);
process.on('SIGTERM', () => void app.stop().then(() => { db.close(); process.exit(0); }));
