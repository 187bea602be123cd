import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LimitsSettingsSchema } from '../../src/limits/diagnosis-limits.js';
import { NetEnvSchema } from '../../src/net/settings.js';
import { StoreSettingsSchema } from '../../src/store/settings.js';
import { SlackSettingsSchema } from '../../src/slack/settings.js';
import { SupportSettingsSchema } from '../../src/slack/support.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { settingsEnv } from '../../src/config/env.js';
import { AuditSettingsSchema } from '../../src/audit/settings.js';
import { WatchSettingsSchema } from '../../src/watch/settings.js';

test('.env.example lists every setting the schemas read, each with a comment, and as a .env it starts nothing wrong', () => {
  const example = readFileSync('.env.example', 'utf8');
  const keys = [LimitsSettingsSchema, NetEnvSchema, StoreSettingsSchema, SlackSettingsSchema, SupportSettingsSchema, OpenCxSettingsSchema, AuditSettingsSchema, WatchSettingsSchema].flatMap((s) => Object.keys(s.shape));
  assert.ok(keys.length > 30);
  const lines = example.split('\n');
  for (const k of keys) {
    const i = lines.findIndex((l) => l.startsWith(`${k}=`));
    assert.ok(i > 0, `${k} is missing from .env.example`);
    assert.match(lines.slice(Math.max(0, i - 4), i).join('\n'), /^#/m, `${k} has no comment above it`);
  }
  // Copied as it is, the example must parse (blank values are unset) for every schema except the Slack one's required
  // credentials.
  const env = settingsEnv({}, '.env.example');
  for (const s of [LimitsSettingsSchema, NetEnvSchema, StoreSettingsSchema, SupportSettingsSchema, OpenCxSettingsSchema, AuditSettingsSchema, WatchSettingsSchema]) assert.ok(s.safeParse(env).success, JSON.stringify(s.safeParse(env).error?.issues));
  assert.ok(SlackSettingsSchema.safeParse({ ...env, SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).success);
});
