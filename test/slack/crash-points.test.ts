import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startLab, type Lab } from '../../src/lab/index.js';
import { startFakeSlack, type FakeSlack, type FakeMessage } from '../../src/fakes/slack/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { blocksToText } from '../../src/render/blocks-text.js';
import { appEnv, startApp, type AppProcess } from '../helpers/app-process.js';
import { until } from '../helpers/until.js';
import { startFakeOpenCx, demoDataset, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import type { Action } from '../../src/opencx/schemas.js';

/**
 * The crash-point harness (issue 18): the app runs as its own process and kills itself (SIGKILL) at a named step boundary
 * of each flow (ACTION_DEBUG_CRASH_AT); a second process starts on the same database, and every acknowledged request
 * must end in exactly one visible outcome: a final card, or an "interrupted" card with a working Re-run, and a ticket
 * posted once. The one exception is the window between Slack's answer to a post and marking it sent, where
 * at-least-once is the floor (Slack has no idempotency key): those cases assert "at least once, at most twice".
 */

const SECRET = 'crash-secret-value-5b1e';
let lab: Lab;
let slack: FakeSlack;
let opencx: FakeOpenCx;
before(async () => {
  lab = await startLab({ only: ['server-error', 'slow'] });
  // Slack's rate tiers off here (they are tested in delivery and slack-rules): every case's app shares one bot token,
  // and once chat.update's 50 a minute are spent, a 429 on the first progress update holds progress past the end of a
  // short diagnosis, so the card:while-updating crash point would never be reached.
  slack = await startFakeSlack({ rateLimits: false });
  // An organisation of four actions, all on the lab's failing API, for the audit cases.
  const url = lab.scenarios.find((s) => s.id === 'server-error')!.url;
  const demo = demoDataset();
  opencx = await startFakeOpenCx({ data: { ...demo, actions: (demo.actions as Action[]).slice(0, 4).map((a) => ({ ...a, api_endpoint: url })) } });
});
after(async () => {
  await opencx?.close();
  await slack?.close();
  await lab?.close();
});

type Flow = 'diagnose' | 'diagnose-secret' | 'escalate' | 'rerun' | 'mention' | 'follow-up';
interface Case { flow: Flow; point: string; atLeastOnce?: boolean }

const CASES: Case[] = [
  { flow: 'diagnose', point: 'diagnose:after-commit' },
  { flow: 'diagnose', point: 'diagnose:after-ack' },
  { flow: 'diagnose', point: 'diagnose:before-post' },
  { flow: 'diagnose', point: 'diagnose:before-record-post', atLeastOnce: true },
  { flow: 'diagnose', point: 'diagnose:after-post' },
  { flow: 'diagnose', point: 'diagnose:during-probes' },
  { flow: 'diagnose', point: 'card:while-updating' },
  { flow: 'diagnose', point: 'diagnose:after-verdict' },
  { flow: 'diagnose', point: 'diagnose:before-done' },
  { flow: 'diagnose-secret', point: 'diagnose:during-probes' },
  { flow: 'escalate', point: 'escalate:after-commit' },
  { flow: 'escalate', point: 'escalate:after-ack' },
  { flow: 'escalate', point: 'post:before-mark-sent', atLeastOnce: true },
  { flow: 'rerun', point: 'rerun:after-commit' },
  { flow: 'rerun', point: 'rerun:after-ack' },
  { flow: 'rerun', point: 'rerun:during-probes' },
  { flow: 'rerun', point: 'rerun:after-verdict' },
  // A mention is acknowledged by Bolt before any listener runs: it is recorded between the receiver and Bolt.
  { flow: 'mention', point: 'mention:after-commit' },
  { flow: 'mention', point: 'mention:after-ack' },
  { flow: 'mention', point: 'mention:after-handoff' },
  { flow: 'mention', point: 'rerun:during-probes' },
  { flow: 'follow-up', point: 'follow-up:after-ack' },
  { flow: 'follow-up', point: 'follow-up:after-probe' },
];

const visible = (msgs: FakeMessage[]) => msgs.filter((m) => !m.ephemeralTo);
const text = (m: FakeMessage) => `${m.text}\n${blocksToText(m.blocks)}`;
const isFinal = (m: FakeMessage) => JSON.stringify(m.blocks).includes('"ad_escalate"') || /Escalated as ticket/.test(text(m));
const isInterrupted = (m: FakeMessage) => /interrupted by a restart/.test(text(m)) && JSON.stringify(m.blocks).includes('"ad_rerun"');
const idOf = (m: FakeMessage) => /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(m.blocks))![1]!;

async function unfinishedWork(dbPath: string): Promise<number> {
  const s = new SqliteStore(dbPath);
  try {
    return (s.db.prepare("SELECT count(*) AS n FROM work WHERE state != 'done'").get() as { n: number }).n;
  } finally {
    await s.close();
  }
}

/** One case: an optional first life that makes a finished card, the crashing life, and the life that recovers. */
async function runCase(c: Case, i: number): Promise<void> {
  const ch = `CX${i}`;
  const support = `CS${i}`;
  const env = appEnv(lab, slack, { SUPPORT_CHANNEL_ID: support });
  const url = lab.scenarios.find((s) => s.id === 'server-error')!.url;
  const command = c.flow === 'diagnose-secret' ? `ses_${i} "Create refund" ${url} method=POST header="Authorization: ${SECRET}"` : `ses_${i} "Create refund" ${url} method=POST`;
  const lives: AppProcess[] = [];
  try {
    let card: FakeMessage | undefined;
    let modal: { id: string; view: Record<string, unknown> } | undefined;
    if (c.flow === 'escalate' || c.flow === 'rerun' || c.flow === 'mention' || c.flow === 'follow-up') {
      const first = await startApp(env, slack);
      lives.push(first);
      await first.driver.command(command, { channel: ch });
      card = await slack.waitFor(() => visible(slack.channel(ch)).find(isFinal), 45_000, 'the first card');
      await slack.waitFor(() => slack.thread(ch, card!.ts).length >= 2, 10_000, 'its thread');
      if (c.flow === 'escalate') {
        await first.driver.click(card, 'ad_escalate', idOf(card));
        modal = await slack.waitFor(() => slack.views.find((v) => v.view['private_metadata'] === JSON.stringify({ cardId: idOf(card!) })), 5000, 'the escalation form');
      }
      assert.equal((await first.kill('SIGTERM')).code, 0);
    }

    const crashing = await startApp({ ...env, ACTION_DEBUG_CRASH_AT: c.point }, slack);
    lives.push(crashing);
    const request = (async () => {
      const d = crashing.driver;
      if (c.flow === 'diagnose' || c.flow === 'diagnose-secret') return d.command(command, { channel: ch });
      if (c.flow === 'escalate') {
        return d.submitView({ id: modal!.id, callback_id: 'ad_escalate_modal', private_metadata: String(modal!.view['private_metadata']) }, {
          expected: { v: { value: 'the refund' } }, impact: { v: { value: 'customers wait' } }, urgency: { v: { selected_option: { value: 'high' } } },
        });
      }
      if (c.flow === 'rerun') return d.click(card!, 'ad_rerun', idOf(card!));
      if (c.flow === 'mention') return d.mention('rerun', { channel: ch, threadTs: card!.ts }, {}, {}, undefined, `EvCrash${i}`);
      const followUps = slack.thread(ch, card!.ts)[1]!;
      // Each follow-up button has its own action_id (ad_follow_up:<check>): Slack refuses repeated ones in a message.
      const button = /"action_id":"(ad_follow_up(?::[\w-]+)?)","value":"([^"]+)"/.exec(JSON.stringify(followUps.blocks))!;
      return d.click(followUps, button[1]!, button[2]!);
    })();
    const acked = await request.then((r) => r.status === 200, () => false);
    const died = await Promise.race([crashing.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000).unref())]);
    assert.equal(died?.signal, 'SIGKILL', `the process did not reach ${c.point}:\n${crashing.output().slice(-2000)}`);
    // Only a crash before the ack may leave the request unacknowledged.
    if (!/after-commit/.test(c.point)) assert.ok(acked, `${c.point}: the request was not acknowledged`);

    const recovering = await startApp(env, slack);
    lives.push(recovering);
    // Slack delivers an event again when its ack did not arrive (or arrived late): the retry, to the recovering process,
    // must start nothing the first delivery's row already stands for.
    if (c.flow === 'mention') await recovering.driver.mention('rerun', { channel: ch, threadTs: card!.ts }, {}, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }, undefined, `EvCrash${i}`);
    await until(async () => (await unfinishedWork(env['DATABASE_PATH']!)) === 0, 60_000, `every work row of ${c.point} finished`);
    if (c.flow === 'escalate') {
      await slack.waitFor(() => visible(slack.channel(support)).length >= 1 && /Escalated as ticket #1/.test(text(card!)), 45_000, 'the ticket posted');
      await new Promise((r) => setTimeout(r, 400)); // room for a duplicate to show up
      const tickets = visible(slack.channel(support)).filter((m) => /TICKET #1/.test(text(m)));
      if (c.atLeastOnce) assert.ok(tickets.length >= 1 && tickets.length <= 2, `${c.point}: ${tickets.length} ticket posts`);
      else assert.equal(tickets.length, 1, `${c.point}: the ticket must be posted exactly once`);
      assert.equal(slack.thread(ch, card!.ts).filter((m) => /Escalated as ticket #1/.test(m.text)).length, 1, 'the thread note once');
      return;
    }
    const cards = await slack.waitFor(() => {
      const top = visible(slack.channel(ch));
      return top.some((m) => isFinal(m) || isInterrupted(m)) && top;
    }, 45_000, `the outcome of ${c.point}`);
    await new Promise((r) => setTimeout(r, 400));
    const outcomes = visible(slack.channel(ch)).filter((m) => isFinal(m) || isInterrupted(m));
    assert.equal(outcomes.length, 1, `${c.point}: exactly one visible outcome, got ${outcomes.length}`);
    const outcome = outcomes[0]!;
    if (c.atLeastOnce) assert.ok(cards.length <= 2, `${c.point}: at most one extra (stale) card message`);
    else assert.equal(visible(slack.channel(ch)).length, 1, `${c.point}: one card message`);
    const thread = visible(slack.thread(ch, outcome.ts));
    if (c.flow === 'diagnose-secret') {
      assert.ok(isInterrupted(outcome), 'a card that carried a header value cannot be run again: it says it was interrupted');
      assert.ok(slack.channel(ch).some((m) => m.ephemeralTo === 'U0' || (m.ephemeralTo && /interrupted by a restart/.test(m.text))), 'the requester is told');
      // Its Re-run button works: it asks for the value that was never stored.
      await recovering.driver.click(outcome, 'ad_rerun', idOf(outcome));
      const asked = await slack.waitFor(() => visible(slack.thread(ch, outcome.ts)).find((m) => /never stored/.test(text(m))), 10_000, 'the answer to Re-run');
      assert.match(text(asked), /Authorization value is never stored/);
      for (const f of [env['DATABASE_PATH']!, `${env['DATABASE_PATH']!}-wal`]) assert.ok(!existsSync(f) || !readFileSync(f).includes(SECRET), `the header value reached ${f}`);
    } else if (c.flow === 'diagnose') {
      assert.ok(isFinal(outcome), `${c.point}: the diagnosis was run again to its verdict`);
      assert.equal(thread.filter((m) => /Details of every check/.test(text(m))).length, 1, 'details once');
      assert.equal(thread.filter((m) => JSON.stringify(m.blocks).includes('"ad_rerun_later"')).length, 1, 'follow-up buttons once');
    } else if (c.flow === 'rerun' || c.flow === 'mention') {
      assert.ok(isFinal(outcome));
      // The answer is the verdict with what changed since ("Re-run: … Since last time"), never the refusal "Re-run: this
      // card's diagnosis is still running", which starts the same way.
      const answers = thread.map((m) => blocksToText(m.blocks)).filter((t) => /^Re-run/.test(t) && /Since last time:/.test(t));
      assert.equal(answers.length, 1, `${c.point}: one re-run answer in the thread`);
      assert.ok(!thread.some((m) => /still running/.test(text(m))), `${c.point}: no "still running" refusal`);
    } else {
      assert.equal(thread.length, 3, `${c.point}: one follow-up answer (or one interruption note) in the thread`);
    }
  } catch (err) {
    // What each process logged, so a failure here says why.
    (err as Error).message += lives.map((l, n) => `\n--- life ${n}:\n${l.output().slice(-3000)}`).join('');
    throw err;
  } finally {
    await Promise.all(lives.map((l) => l.kill('SIGKILL')));
    const wire = JSON.stringify(slack.calls.map((x) => x.args));
    assert.ok(!wire.includes(SECRET), 'the header value reached Slack');
  }
}

/**
 * An audit killed at each of its step boundaries: the next start finishes it on the same summary card (or posts the card
 * a crash before the post never showed), and never leaves a card at "Auditing…". Without the OpenCX key at the next
 * start it cannot run again: its card says "interrupted by a restart", and its Audit again button works once the key is back.
 */
const AUDIT_POINTS = ['audit:after-commit', 'audit:after-ack', 'audit:after-post', 'audit:during-probes'];
const auditCards = (ch: string) => visible(slack.channel(ch)).filter((m) => /^action-debug audit/.test(m.text));
const auditFinal = (m: FakeMessage) => /^action-debug audit: 4 actions, \d+ broken/.test(m.text);
const auditInterrupted = (m: FakeMessage) => /interrupted by a restart/.test(text(m)) && JSON.stringify(m.blocks).includes('"ad_audit_again"');

async function runAuditCase(point: string, i: number, recoverWithoutKey: boolean): Promise<void> {
  const ch = `CA${i}${recoverWithoutKey ? 'k' : ''}`;
  const env = appEnv(lab, slack, { OPENCX_API_KEY: opencx.key, OPENCX_API_URL: opencx.url });
  const lives: AppProcess[] = [];
  try {
    const crashing = await startApp({ ...env, ACTION_DEBUG_CRASH_AT: point }, slack);
    lives.push(crashing);
    const acked = await crashing.driver.command('audit', { channel: ch }).then((r) => r.status === 200, () => false);
    const died = await Promise.race([crashing.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000).unref())]);
    assert.equal(died?.signal, 'SIGKILL', `the process did not reach ${point}:\n${crashing.output().slice(-2000)}`);
    if (point !== 'audit:after-commit') assert.ok(acked, `${point}: the command was not acknowledged`);

    const recoverEnv = { ...env };
    if (recoverWithoutKey) delete recoverEnv['OPENCX_API_KEY'];
    const recovering = await startApp(recoverEnv, slack);
    lives.push(recovering);
    await until(async () => (await unfinishedWork(env['DATABASE_PATH']!)) === 0, 30_000, `every work row of ${point} finished`);
    const outcome = await slack.waitFor(() => auditCards(ch).find((m) => auditFinal(m) || auditInterrupted(m)), 30_000, `the audit outcome of ${point}`);
    await new Promise((r) => setTimeout(r, 400)); // room for a duplicate to show up
    assert.equal(auditCards(ch).length, 1, `${point}: one audit card, got ${auditCards(ch).length}`);
    assert.ok(!auditCards(ch).some((m) => /actions checked/.test(m.text)), `${point}: no card left at "Auditing…"`);
    if (!recoverWithoutKey) {
      assert.ok(auditFinal(outcome), `${point}: the audit ran again to its summary`);
      return;
    }
    assert.ok(auditInterrupted(outcome), `${point}: without the key the card says it was interrupted`);
    await recovering.kill('SIGTERM');
    const withKey = await startApp(env, slack);
    lives.push(withKey);
    await withKey.driver.click(outcome, 'ad_audit_again', 'audit');
    await slack.waitFor(() => auditCards(ch).some(auditFinal), 30_000, 'the audit started by Audit again');
    await until(async () => (await unfinishedWork(env['DATABASE_PATH']!)) === 0, 30_000, 'the new audit finished');
  } catch (err) {
    (err as Error).message += lives.map((l, n) => `\n--- life ${n}:\n${l.output().slice(-3000)}`).join('');
    throw err;
  } finally {
    await Promise.all(lives.map((l) => l.kill('SIGKILL')));
    assert.ok(!JSON.stringify(slack.calls).includes(opencx.key), 'the OpenCX key reached Slack');
  }
}

describe('crash points: killed at every step boundary, restarted on the same database', { concurrency: 4 }, () => {
  const only = process.env['CRASH_ONLY'];
  AUDIT_POINTS.forEach((point, i) => (only && !point.includes(only) ? undefined : test(`audit killed at ${point}`, () => runAuditCase(point, i, false))));
  if (!only || 'audit:during-probes'.includes(only)) test('audit killed at audit:during-probes, next start without the OpenCX key: interrupted, and Audit again works', () => runAuditCase('audit:during-probes', 9, true));
  CASES.forEach((c, i) => (process.env['CRASH_ONLY'] && !c.point.includes(process.env['CRASH_ONLY']) ? undefined : test(`${c.flow} killed at ${c.point}${c.atLeastOnce ? ' (at-least-once window)' : ''}`, () => runCase(c, i))));
});
