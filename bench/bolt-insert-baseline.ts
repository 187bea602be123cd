// The floor for ack latency now that acks commit first: a bare Bolt app that, like ours, records each command as one row
// in SQLite (a file, WAL, synchronous=NORMAL: the same durability) before it acks, started like ours and measured by the
// same driver. Nothing else: no parsing of the command, no gate, no logging. What action-debug adds on top is ours.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bolt from '@slack/bolt';
import Database from 'better-sqlite3';

const db = new Database(join(mkdtempSync(join(tmpdir(), 'ad-bench-floor-')), 'floor.db'));
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE work (id TEXT PRIMARY KEY, dedupe_key TEXT UNIQUE, channel TEXT, requester TEXT NOT NULL, payload_json TEXT NOT NULL,
  created_at INTEGER NOT NULL)`);
const insert = db.prepare('INSERT INTO work (id, dedupe_key, channel, requester, payload_json, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING');

const receiver = new bolt.HTTPReceiver({ signingSecret: process.env['SLACK_SIGNING_SECRET']!, endpoints: '/slack/events', logLevel: bolt.LogLevel.ERROR });
const app = new bolt.App({ token: 'xoxb-baseline', botId: 'B', botUserId: 'U', receiver, logLevel: bolt.LogLevel.ERROR, clientOptions: { slackApiUrl: process.env['SLACK_API_URL']! } });
app.command(/.*/, async ({ command, ack }) => {
  insert.run(randomUUID(), `trigger:${command.trigger_id}`, command.channel_id, command.user_id, JSON.stringify({ text: command.text }), Date.now());
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
const server = (await app.start(0)) as unknown as { address(): { port: number } };
process.stderr.write(`{"port":${server.address().port}}\n`);
process.on('SIGTERM', () => void app.stop().then(() => { db.close(); process.exit(0); }));
