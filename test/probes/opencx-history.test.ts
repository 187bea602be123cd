import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opencxHistoryProbe } from '../../src/probes/opencx-history.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { withFakeOpenCx } from '../helpers/opencx-ctx.js';

type Ev = Parameters<typeof opencxHistoryProbe.assess>[0];
const input = parseDiagnosisInput({ session: 'ses_handoff', action: 'Look up order' });
const ev = (over: Partial<Ev> = {}): Ev => ({ exchanges: [], status: 'closed_unresolved', channel: 'web', closure: null, handoffs: [], asked: [], unread: [], ...over });
const ids = (e: Ev) => opencxHistoryProbe.assess(e, input).map((f) => `${f.id}:${f.family}:${f.severity}`);

test('an insufficient_tools handoff is a family-4 error with its time, reasons and summary', () => {
  const fs = opencxHistoryProbe.assess(ev({ handoffs: [{ reasons: ['insufficient_tools'], summary: 'No tool to look up the order', at: '2026-01-01T10:00:00Z' }] }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['opencx-handoff-insufficient-tools:4:error']);
  assert.deepEqual(fs[0]!.evidence, ['Handoff at 2026-01-01T10:00:00Z with reasons insufficient_tools', 'Summary: No tool to look up the order']);
});

test('what the customer asked is info, each message quoted and cut at 200 characters', () => {
  const long = 'x'.repeat(300);
  const fs = opencxHistoryProbe.assess(ev({ asked: ['Where is my order 1234?', long] }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.severity}`), ['opencx-session-messages:info']);
  assert.deepEqual(fs[0]!.evidence, ['Customer: "Where is my order 1234?"', `Customer: "${'x'.repeat(200)}"`]);
});

test('parts OpenCX could not give are named as info, not silently skipped; a quiet session finds nothing', () => {
  const fs = opencxHistoryProbe.assess(ev({ unread: [{ what: 'its handoff events', why: 'OpenCX refused the key (403)' }] }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.severity}`), ['opencx-history-partial:info']);
  assert.deepEqual(fs[0]!.evidence, ['Not read: its handoff events: OpenCX refused the key (403)']);
  assert.deepEqual(ids(ev()), []);
  assert.match(opencxHistoryProbe.summarize!(ev({ unread: [{ what: 'its messages', why: 'timeout' }] })), /; not read: its messages \(timeout\)$/);
});

test('real gather from the fake OpenCX: the handed-off session gives the handoff and the question asked', async () => {
  await withFakeOpenCx(async (ctx) => {
    const e = await opencxHistoryProbe.gather(ctx({ session: 'ses_handoff', action: 'Look up order' }));
    assert.equal(e.closure, 'handed_off');
    assert.equal(e.handoffs.length, 1);
    assert.deepEqual(e.asked, ['Where is my order 1234? It was due yesterday']);
    assert.deepEqual(opencxHistoryProbe.assess(e, input).map((f) => f.id), ['opencx-handoff-insufficient-tools', 'opencx-session-messages']);
    const quiet = await opencxHistoryProbe.gather(ctx({ session: 'ses_web', action: 'Look up order' }));
    assert.deepEqual(quiet.handoffs, [], 'another session\'s handoff is not this one\'s');
  });
});
