import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack, type FakeMessage } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { appEnv, startApp } from '../helpers/app-process.js';
import { until } from '../helpers/until.js';

let lab: Lab;
let slack: FakeSlack;
before(async () => {
  lab = await startLab({ only: ['slow'] });
  slack = await startFakeSlack();
});
after(async () => {
  await slack?.close();
  await lab?.close();
});

const visible = (ch: string) => slack.channel(ch).filter((m) => !m.ephemeralTo);
const isFinal = (m: FakeMessage) => JSON.stringify(m.blocks).includes('"ad_escalate"');

async function work(dbPath: string): Promise<{ state: string; claimed_by: string | null }[]> {
  const s = new SqliteStore(dbPath);
  try {
    return s.db.prepare('SELECT state, claimed_by FROM work').all() as { state: string; claimed_by: string | null }[];
  } finally {
    await s.close();
  }
}

test('SIGTERM with no grace left: running work is handed back, the app exits 0, the next start finishes it on the same card', async () => {
  const env = appEnv(lab, slack, { STOP_GRACE_SECONDS: '0' });
  const first = await startApp(env, slack);
  const url = lab.scenarios.find((s) => s.id === 'slow')!.url;
  const r = await first.driver.command(`ses_g1 "Monthly report" ${url}`, { channel: 'CG1' });
  assert.equal(r.status, 200);
  await slack.waitFor(() => visible('CG1')[0], 20_000, 'the running card');
  assert.equal((await first.kill('SIGTERM')).code, 0);
  assert.match(first.output(), /"handedBack":1/);
  assert.deepEqual(await work(env['DATABASE_PATH']!), [{ state: 'pending', claimed_by: null }], 'handed back: pending, unclaimed');
  assert.ok(!isFinal(visible('CG1')[0]!), 'the card had no verdict when the app stopped');

  const second = await startApp(env, slack);
  try {
    await slack.waitFor(() => isFinal(visible('CG1')[0]!), 30_000, 'the verdict on the same card');
    assert.equal(visible('CG1').length, 1, 'the same card, not a second one');
    assert.match(blocksToText(visible('CG1')[0]!.blocks), /Session `ses_g1`.*requested by/s);
    await until(async () => (await work(env['DATABASE_PATH']!)).every((w) => w.state === 'done'), 10_000, 'the work row done');
  } finally {
    await second.kill('SIGTERM');
  }
});

test('SIGTERM within the grace period: running work finishes before the app exits; nothing is handed back', async () => {
  const env = appEnv(lab, slack, { STOP_GRACE_SECONDS: '60' });
  const app = await startApp(env, slack);
  const url = lab.scenarios.find((s) => s.id === 'slow')!.url;
  await app.driver.command(`ses_g2 "Monthly report" ${url}`, { channel: 'CG2' });
  await slack.waitFor(() => visible('CG2')[0], 20_000, 'the running card');
  app.child.kill('SIGTERM');
  // While stopping, it takes nothing new: the listener is closed.
  await slack.waitFor(() => /stopping/.test(app.output()) || undefined, 5000, 'the stop to begin');
  await assert.rejects(app.driver.command(`ses_g3 "Monthly report" ${url}`, { channel: 'CG2' }));
  assert.equal((await app.exited).code, 0);
  assert.ok(isFinal(visible('CG2')[0]!), 'the verdict was shown before the exit');
  assert.match(app.output(), /"handedBack":0/);
  assert.deepEqual((await work(env['DATABASE_PATH']!)).map((w) => w.state), ['done']);
});
