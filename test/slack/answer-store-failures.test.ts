import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startFakeSlack, SlackDriver, type FakeSlack } from '../../src/fakes/slack/index.js';
import { createSlackApp } from '../../src/slack/app.js';
import { SlackSettingsSchema } from '../../src/slack/settings.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { silentLogger } from '../../src/log.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeSocketMode } from '../helpers/fake-socket-mode.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../helpers/slack-harness.js';

/**
 * The database failing inside a request, over both receivers (HTTP, where a second ack throws, and Socket Mode, where it
 * only logs): a command or a click whose listener fails before its ack is acked and told "nothing was started"; one
 * that fails after its ack is told to try again, never that nothing started (its work may have). The failures are the
 * driver's own errors (better-sqlite3's SqliteError), as store methods that do not explain them pass them on.
 */
class HistoryFails extends SqliteStore {
  override async history(): ReturnType<SqliteStore['history']> {
    throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  }
  // "Mark resolved": the gate reads the ticket before any ack (the click fails before its ack).
  override async ticket(): ReturnType<SqliteStore['ticket']> {
    throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
  }
  // "Show details": the gate's read of the card works (none: the allow-lists apply), the listener's after its ack fails.
  cardReads = 0;
  override async cardDiagnoses(...args: Parameters<SqliteStore['cardDiagnoses']>): ReturnType<SqliteStore['cardDiagnoses']> {
    if (args[0] === 'card-fails-after-ack' && this.cardReads++ === 1) throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
    return super.cardDiagnoses(...args);
  }
}

const message = { channel: 'CFAIL', ts: '1700000000.000001' };

for (const receiver of ['HTTP', 'Socket Mode'] as const) {
  test(`${receiver}: a database failure before or after the ack is answered in words, and truthfully`, async () => {
    const slack: FakeSlack = await startFakeSlack();
    const socket = receiver === 'Socket Mode' ? await FakeSocketMode.start() : null;
    if (socket) slack.acceptSocketMode(socket.url);
    const store = new HistoryFails(join(mkdtempSync(join(tmpdir(), 'ad-answer-')), 'bot.db'));
    const settings = SlackSettingsSchema.parse({
      ...(socket ? { SLACK_APP_TOKEN: 'xapp-1-A0APP-answer-test' } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_ID: 'B0BOT', SLACK_BOT_USER_ID: 'U0BOT', SLACK_API_URL: slack.apiUrl, SLACK_LOG_LEVEL: 'error', SUPPORT_USER_IDS: 'U0ALICE',
    });
    const app = createSlackApp(settings, { net: NetOptionsSchema.parse({}), logger: silentLogger, store });
    try {
      const { port } = await app.start(0);
      if (socket) await socket.connected();
      const driver = new SlackDriver(`http://127.0.0.1:${port}`, SIGNING_SECRET, slack);
      // What the sender gets back as the ack (a command's answer rides on it), over either receiver.
      const command = async (text: string) => {
        const { form } = driver.commandForm(text, { channel: 'CFAIL' });
        if (socket) return (await socket.deliver('slash_commands', Object.fromEntries(new URLSearchParams(form)))).payload;
        const d = await driver.post(form, 'application/x-www-form-urlencoded');
        assert.equal(d.status, 200, 'acked');
        return d.json as Record<string, unknown>;
      };
      // Real buttons (the gate refuses any id the bot does not render), whose store reads fail where the store says.
      const click = async (actionId: string, value: string) => {
        const { payload, responseUrl } = driver.clickPayload(message, actionId, value);
        if (socket) await socket.deliver('interactive', payload);
        else assert.equal((await driver.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).status, 200, 'acked');
        const id = responseUrl.split('/').pop();
        return String((await slack.waitFor(() => slack.responses.find((r) => r.id === id), 5000, `the answer to ${actionId}`)).body['text']);
      };

      // `history` reads before its ack: the ack itself says why.
      const history = await command('history Create refund');
      assert.match(String(history['text']), /database is busy[\s\S]*Nothing was started: try again in a moment/);
      assert.ok(!JSON.stringify(history).includes('database is locked'), 'the driver\'s own text is not shown');

      assert.match(await click('ad_ticket_resolve', '1'), /database is busy[\s\S]*Nothing was started: try again/);
      const after = await click('ad_details', 'card-fails-after-ack');
      assert.match(after, /I\/O error[\s\S]*Try again in a moment/);
      assert.doesNotMatch(after, /Nothing was started/, 'an acked request may have started its work');
    } finally {
      await app.stop();
      await socket?.close();
      await slack.close();
      await store.close();
    }
  });
}
