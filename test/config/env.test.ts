import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsEnv } from '../../src/config/env.js';
import { SlackSettingsSchema } from '../../src/slack/settings.js';

test('settings: a .env copied from .env.example works; the real environment wins; blank lines mean "not set"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ad-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, '# comment\nSLACK_SIGNING_SECRET=from-file\nSLACK_BOT_TOKEN=xoxb-file\nSLACK_APP_TOKEN=\nSLACK_CLIENT_ID=\nPORT=4000\n');
  const env = settingsEnv({ PORT: '5000', LOG_LEVEL: '  ' }, file);
  assert.equal(env['SLACK_SIGNING_SECRET'], 'from-file');
  assert.equal(env['PORT'], '5000');
  assert.ok(!('SLACK_APP_TOKEN' in env) && !('LOG_LEVEL' in env));
  const s = SlackSettingsSchema.parse(env);
  assert.equal(s.SLACK_APP_TOKEN, undefined, 'an empty SLACK_APP_TOKEN= does not switch to Socket Mode');
  assert.equal(s.PORT, 5000);
  assert.deepEqual(settingsEnv({ A: 'x' }, join(dir, 'absent.env')), { A: 'x' });
});
