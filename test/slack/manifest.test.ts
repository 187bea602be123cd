import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BOT_SCOPES } from '../../src/slack/scopes.js';

type Manifest = { oauth_config: { scopes: { bot: string[] } }; settings: { event_subscriptions: { bot_events: string[] }; org_deploy_enabled: boolean } };
const manifest = parseYaml(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('least privilege: the app never subscribes to channel messages nor reads channel history', () => {
  assert.deepEqual(manifest.settings.event_subscriptions.bot_events, ['app_mention'], 'specs come attached to a mention');
  for (const s of [...manifest.oauth_config.scopes.bot, ...BOT_SCOPES]) assert.ok(!/:history$/.test(s), `${s} reads every message in a channel`);
  assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [...BOT_SCOPES].sort());
  // Every scope the manifest grants is named, with what it is for, in the README's Slack section.
  for (const s of BOT_SCOPES) assert.ok(readme.includes(`\`${s}\``), `README does not explain ${s}`);
});

test('the manifest allows the org-wide installs the README describes', () => {
  assert.match(readme, /org-wide/i);
  assert.equal(manifest.settings.org_deploy_enabled, true);
});
