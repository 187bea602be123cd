import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startHarness, finalCard, type Harness } from '../helpers/slack-harness.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SqliteInstallationStore } from '../../src/store/installations.js';
import { teamClients } from '../../src/slack/team-clients.js';
import { slackSenders } from '../../src/outbox/senders.js';
import { SlackSettingsSchema } from '../../src/slack/settings.js';
import { BOT_SCOPES } from '../../src/slack/scopes.js';
import { workspaceKey } from '../../src/slack/workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'ad-oauth-'));
const store = new SqliteStore(join(dir, 'ad.db'));
const installations = new SqliteInstallationStore(store, 'installation-key-for-tests-0123');
const OAUTH = { SLACK_BOT_TOKEN: undefined, SLACK_CLIENT_ID: '111.222', SLACK_CLIENT_SECRET: 'client-secret-planted-9d2e', SLACK_STATE_SECRET: 'state-secret-0123456789abcdef', SLACK_OAUTH_AUTHORIZE_URL: 'https://slack.test/oauth/v2/authorize' };
let h: Harness;
let appUrl: string;

before(async () => {
  h = await startHarness({ only: ['healthy'], settings: OAUTH, deps: { installationStore: installations } });
  appUrl = (h.driver as unknown as { appUrl: string }).appUrl;
});
after(async () => {
  await h?.close();
  store.close();
});

/** /slack/install → Slack's consent page (not visited: the fake grants the code) → /slack/oauth_redirect with the state cookie. */
async function install(team: { id: string; name: string }, tamper?: (state: string) => string, orgWide = false) {
  const start = await fetch(`${appUrl}/slack/install`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const to = new URL(start.headers.get('location')!);
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const state = to.searchParams.get('state')!;
  const { code, token } = h.slack.grantInstall(team, { orgWide });
  const back = await fetch(`${appUrl}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(tamper ? tamper(state) : state)}`, { headers: { cookie } });
  return { to, back, token, page: await back.text() };
}

test('the manifest and the OAuth install ask for exactly the scopes the app uses', async () => {
  const manifest = parseYaml(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
  assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [...BOT_SCOPES].sort());
  const start = await fetch(`${appUrl}/slack/install`, { redirect: 'manual' });
  const to = new URL(start.headers.get('location')!);
  assert.equal(`${to.origin}${to.pathname}`, OAUTH.SLACK_OAUTH_AUTHORIZE_URL);
  assert.deepEqual(to.searchParams.get('scope')!.split(',').sort(), [...BOT_SCOPES].sort());
  assert.equal(to.searchParams.get('client_id'), OAUTH.SLACK_CLIENT_ID);
});

test('a workspace installs through OAuth; its commands then run with its own token, sealed at rest', async () => {
  const { back, token } = await install({ id: 'T0TWO', name: 'Two' });
  assert.equal(back.status, 200);
  assert.deepEqual(h.slack.oauthExchanges.at(-1), { code: h.slack.oauthExchanges.at(-1)!.code, clientId: OAUTH.SLACK_CLIENT_ID, clientSecret: OAUTH.SLACK_CLIENT_SECRET });

  const installation = await installations.fetchInstallation({ teamId: 'T0TWO', enterpriseId: undefined, isEnterpriseInstall: false });
  assert.equal(installation.bot?.token, token);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  for (const f of readdirSync(dir)) assert.ok(!readFileSync(join(dir, f)).includes(token), `${f} holds the bot token in clear`);

  await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')} header="Authorization: Bearer lab-token-healthy"`, { channel: 'CO1', team: 'T0TWO' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CO1'), 20_000, 'the card in the installed workspace');
  assert.ok(card);
  const calls = h.slack.calls.filter((c) => c.args['channel'] === 'CO1');
  assert.ok(calls.length >= 2);
  assert.ok(calls.every((c) => c.token === token), 'every call for that workspace used its own token');

  // The outbox, after a restart, finds the same workspace's token from the store.
  const settings = SlackSettingsSchema.parse({ SLACK_SIGNING_SECRET: 'x', SLACK_API_URL: h.slack.apiUrl, ...OAUTH });
  await slackSenders(teamClients(settings, installations))['slack.post']!({ team: 'T0TWO', channel: 'CO2', text: 'from the outbox' });
  const posted = h.slack.calls.find((c) => c.args['channel'] === 'CO2')!;
  assert.equal(posted.token, token);
  assert.equal(posted.args['team'], undefined, 'the routing field is not sent to Slack');
});

test('a forged state is refused and installs nothing; a workspace that never installed gets no card', async () => {
  const { back, page } = await install({ id: 'T0EVE', name: 'Eve' }, (s) => `${s.slice(0, -4)}AAAA`);
  assert.notEqual(back.status, 200);
  assert.doesNotMatch(page, /Thank you/i);
  await assert.rejects(installations.fetchInstallation({ teamId: 'T0EVE', enterpriseId: undefined, isEnterpriseInstall: false }));

  const before = h.slack.calls.length;
  const r = await h.driver.command(`ses_1 a ${h.url('healthy')}`, { channel: 'CO3', team: 'T0NONE' });
  assert.notEqual(r.status, 500);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(h.slack.calls.filter((c) => c.args['channel'] === 'CO3').length, 0);
  assert.equal(h.slack.calls.length, before);
});

test('an Enterprise Grid org installs once for all its workspaces: its teams\' commands, the outbox and re-runs use the org token', async () => {
  const { back, token } = await install({ id: 'E0ORG', name: 'Org' }, undefined, true);
  assert.equal(back.status, 200);
  const stored = await installations.fetchInstallation({ enterpriseId: 'E0ORG', teamId: undefined, isEnterpriseInstall: true });
  assert.equal(stored.bot?.token, token);

  await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')} header="Authorization: Bearer lab-token-healthy"`, { channel: 'CE1', team: 'T0MEMBER', enterprise: 'E0ORG' });
  const card = await h.slack.waitFor(() => finalCard(h.slack, 'CE1'), 20_000, 'the card in a team of the org');
  assert.ok(card);
  assert.ok(h.slack.calls.filter((c) => c.args['channel'] === 'CE1').every((c) => c.token === token), 'the card used the org token');

  // Outside any request (the outbox after a restart, a scheduled re-run), the workspace key alone finds the org token.
  const settings = SlackSettingsSchema.parse({ SLACK_SIGNING_SECRET: 'x', SLACK_API_URL: h.slack.apiUrl, ...OAUTH });
  await slackSenders(teamClients(settings, installations))['slack.post']!({ team: workspaceKey('T0MEMBER', 'E0ORG', 'true'), channel: 'CE2', text: 'from the outbox' });
  assert.equal(h.slack.calls.find((c) => c.args['channel'] === 'CE2')!.token, token);
  await assert.rejects(teamClients(settings, installations)('T0MEMBER'), /no installation/, 'a plain team lookup does not find an org install');
});
