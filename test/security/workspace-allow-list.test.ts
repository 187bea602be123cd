import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSlackApp } from '../../src/slack/app.js';
import { multiWorkspaceProblem, SlackSettingsSchema } from '../../src/slack/settings.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { silentLogger } from '../../src/log.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { Gate, REFUSALS } from '../../src/slack/gate.js';
import { SqliteInstallationStore } from '../../src/store/installations.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SIGNING_SECRET, startHarness } from '../helpers/slack-harness.js';

// Red team item 5: every workspace that installs the app (OAuth) reads the operator's one OpenCX organisation. The safe
// choice is the default: with OAuth installs and an OpenCX key, the app does not start until ALLOWED_TEAM_IDS lists the
// workspaces; one workspace (a bot token) needs nothing new. The refusal of a workspace not listed, at every entry
// point, is in every-entry-point.test.ts (a Slack request in, the refusal out).

const OAUTH = { SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: 'c', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'state-secret-0123456789' };
const TOKEN = { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' };

test('which combinations start: OAuth with OpenCX needs ALLOWED_TEAM_IDS; a bot token, or no OpenCX key, needs nothing new', () => {
  for (const [mode, env] of [['oauth', OAUTH], ['token', TOKEN]] as const) {
    for (const opencx of [true, false]) {
      for (const teams of ['', 'T0A,T0B']) {
        const problem = multiWorkspaceProblem(SlackSettingsSchema.parse({ ...env, ALLOWED_TEAM_IDS: teams }), opencx);
        const refused = mode === 'oauth' && opencx && !teams;
        assert.equal(problem !== null, refused, `${mode}, opencx ${opencx}, teams "${teams}"`);
        if (refused) assert.match(problem!, /ALLOWED_TEAM_IDS/);
      }
    }
  }
});

test('the app itself refuses to be built that way (not only npm start), and builds once the workspaces are listed', async () => {
  const store = new SqliteStore(':memory:');
  const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: 'ocx_live_allow_list_1' });
  const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! });
  try {
    const deps = { net: NetOptionsSchema.parse({}), logger: silentLogger, services: { opencx: new OpenCxFacts(client) }, installationStore: new SqliteInstallationStore(store, 'sealing-key-0123456789') };
    assert.throws(() => createSlackApp(SlackSettingsSchema.parse(OAUTH), deps), /ALLOWED_TEAM_IDS/);
    // Built, not started (nothing listens): the same settings with the workspaces listed are accepted.
    assert.ok(createSlackApp(SlackSettingsSchema.parse({ ...OAUTH, ALLOWED_TEAM_IDS: 'T0A' }), deps).app);
  } finally {
    await client.close();
    await store.close();
  }
});

test('the gate: a workspace not listed is refused before users and channels; a listed Enterprise Grid org admits its teams', () => {
  const gate = new Gate({ ALLOWED_TEAM_IDS: ['T0A', 'E0ORG'], ALLOWED_USER_IDS: [], ALLOWED_CHANNEL_IDS: [], SUPPORT_USER_IDS: ['U0S'] });
  assert.deepEqual(gate.who({ user: 'U1', channel: 'C1', team: 'T0B' }), { ok: false, message: REFUSALS.team });
  assert.deepEqual(gate.stillAllowed({ user: 'U1', channel: 'C1', team: 'T0B' }), { ok: false, message: REFUSALS.team });
  assert.deepEqual(gate.resolve({ user: 'U0S', channel: 'C1', team: 'T0B' }, null), { ok: false, message: REFUSALS.team });
  assert.equal(gate.who({ user: 'U1', channel: 'C1', team: 'T0A' }).ok, true);
  assert.equal(gate.who({ user: 'U1', channel: 'C1', team: 'E0ORG/T0C' }).ok, true, 'an org-wide install of a listed org');
  assert.equal(gate.who({ user: 'U1', channel: 'C1', team: 'E0OTHER/T0C' }).ok, false);
  assert.equal(gate.who({ user: 'U1', channel: 'C1', team: '' }).ok, false, 'no workspace named: not a listed one');
  const open = new Gate({ ALLOWED_TEAM_IDS: [], ALLOWED_USER_IDS: [], ALLOWED_CHANNEL_IDS: [], SUPPORT_USER_IDS: [] });
  assert.equal(open.who({ user: 'U1', channel: 'C1', team: 'T0ANY' }).ok, true, 'no list: any workspace (one bot token reaches one)');
});

test('OAuth with ALLOWED_TEAM_IDS: a listed workspace installs and is served; another is refused at install (no token kept) and at every request', async () => {
  const store = new SqliteStore(':memory:');
  const installations = new SqliteInstallationStore(store, 'installation-key-for-tests-0123');
  const h = await startHarness({ only: ['healthy'], settings: { ...OAUTH, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: undefined, SLACK_OAUTH_AUTHORIZE_URL: 'https://slack.test/oauth/v2/authorize', ALLOWED_TEAM_IDS: 'T0MINE' }, deps: { installationStore: installations } });
  const appUrl = (h.driver as unknown as { appUrl: string }).appUrl;
  const install = async (team: { id: string; name: string }) => {
    const start = await fetch(`${appUrl}/slack/install`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const { code } = h.slack.grantInstall(team);
    const back = await fetch(`${appUrl}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } });
    return { status: back.status, page: await back.text() };
  };
  const stored = (teamId: string) => installations.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false }).then(() => true, () => false);
  try {
    assert.equal((await install({ id: 'T0MINE', name: 'Mine' })).status, 200);
    assert.equal(await stored('T0MINE'), true);
    const other = await install({ id: 'T0THEIRS', name: 'Theirs' });
    assert.equal(other.status, 403);
    assert.match(other.page, /not enabled for this workspace/);
    assert.equal(await stored('T0THEIRS'), false, 'no token kept for a workspace not listed');
    // Its commands find no token: Bolt authorises nothing, and nothing runs.
    const unknown = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'C1', team: 'T0THEIRS' });
    assert.doesNotMatch(unknown.body, /Diagnosing/, `${unknown.status} ${unknown.body}`);
    // A workspace installed before the list named the others (its token is stored) is refused by the gate, at every request.
    // (Settings are read at start: the list changed in place is a restart with the new list.)
    const teams = h.app.deps.settings.ALLOWED_TEAM_IDS;
    teams.push('T0EARLIER');
    assert.equal((await install({ id: 'T0EARLIER', name: 'Earlier' })).status, 200);
    teams.pop();
    const refused = await h.driver.command(`ses_1 "Look up order" ${h.url('healthy')}`, { channel: 'C1', team: 'T0EARLIER' });
    assert.match(String(refused.json?.["text"]), /not enabled for this workspace/, `${refused.status} ${refused.body}`);
    const served = await h.driver.command('help', { channel: 'C1', team: 'T0MINE' });
    assert.doesNotMatch(String(served.json?.['text']), /not enabled/);
    assert.equal(h.lab.requests('healthy').length, 0);
  } finally {
    await h.close();
    await store.close();
  }
});
