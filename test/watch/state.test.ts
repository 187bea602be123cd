import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, EMPTY_STATE, readState, type WatchState } from '../../src/watch/state.js';
import type { AuditAction } from '../../src/audit/schema.js';
import { parseSlashCommand, parseEvery } from '../../src/slack/parse-command.js';
import { watchMessages } from '../../src/render/watch-blocks.js';
import { seededRandom } from '../helpers/seeded-random.js';

type Status = AuditAction['status'];
const VERDICTS: { status: Status; cause: string; family: 2 | 3 | 4 | null }[] = [
  { status: 'ok', cause: 'none', family: null },
  { status: 'broken', cause: 'server-error', family: 3 },
  { status: 'broken', cause: 'waf-blocks-opencx-headers', family: 2 },
  { status: 'needs-credentials', cause: 'needs-credentials', family: null },
  { status: 'not-checked', cause: 'not-checked', family: null },
];
const result = (id: string, v: (typeof VERDICTS)[number]): AuditAction => ({
  id, name: `Action ${id}`, endpoint: 'https://x.test/', method: 'GET', status: v.status, diagnosisId: `d-${id}-${Math.random()}`, durationMs: 1,
  verdict: { family: v.family, cause: v.cause, title: `title of ${v.cause}`, fix: 'fix it', severity: v.status === 'broken' ? 'error' : null },
});

test('invariant over generated runs: a transition is reported exactly when the (status, cause) changes, once, and "since" holds while it does not', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = seededRandom(seed);
    const ids = ['a', 'b', 'c', 'd'];
    let state: WatchState = EMPTY_STATE;
    let known = new Map<string, string>();
    let present = new Set(ids);
    for (let run = 0; run < 12; run++) {
      if (rand() < 0.1) present.delete(ids[Math.floor(rand() * ids.length)]!);
      const at = new Date(Date.UTC(2026, 10, 25, 10, run)).toISOString();
      const results = [...present].map((id) => ({ action: result(id, VERDICTS[Math.floor(rand() * VERDICTS.length)]!), updatedAt: null }));
      const { state: next, transitions } = compare(state, results, present, at);
      const expected: string[] = [];
      for (const { action } of results) {
        const key = `${action.status}:${action.verdict.cause}`;
        const prev = known.get(action.id);
        if (action.status === 'not-checked' && prev) continue; // "not checked" keeps what was known
        if (prev === undefined) expected.push(`first:${action.id}`);
        else if (prev !== key) expected.push(`change:${action.id}`);
        known.set(action.id, key);
      }
      for (const id of [...known.keys()]) if (!present.has(id)) {
        expected.push(`vanished:${id}`);
        known.delete(id);
      }
      const got = transitions.map((t) => `${t.kind === 'first' || t.kind === 'vanished' ? t.kind : 'change'}:${t.id}`);
      assert.deepEqual(got.sort(), expected.sort(), `seed ${seed} run ${run}`);
      for (const t of transitions) {
        if (t.kind === 'broken') assert.ok(t.after.status === 'broken' && t.before.status !== 'broken');
        if (t.kind === 'fixed') assert.ok(t.after.status !== 'broken' && t.before.status === 'broken');
      }
      // A verdict that holds keeps the time it started.
      for (const [id, seen] of Object.entries(next.actions)) {
        const before = state.actions[id];
        if (before && before.status === seen.status && before.cause === seen.cause) assert.equal(seen.since, before.since);
      }
      assert.ok(Object.keys(next.actions).every((id) => present.has(id)));
      state = readState(JSON.parse(JSON.stringify(next)));
      known = new Map(Object.entries(state.actions).map(([id, s]) => [id, `${s.status}:${s.cause}`]));
      present = new Set([...present]);
    }
  }
});

test('the command: watch, watch all, every=, list, stop; mistakes are one line', () => {
  assert.deepEqual(parseSlashCommand('watch "Look up order" every=15m'), { kind: 'watch', target: { action: 'Look up order' }, everyMs: 900_000 });
  assert.deepEqual(parseSlashCommand('watch all every=1h'), { kind: 'watch', target: { all: true }, everyMs: 3_600_000 });
  assert.deepEqual(parseSlashCommand('watch “Look up order”'), { kind: 'watch', target: { action: 'Look up order' }, everyMs: null });
  assert.deepEqual(parseSlashCommand('watch list'), { kind: 'watch-list' });
  assert.deepEqual(parseSlashCommand('watch stop "Look up order"'), { kind: 'watch-stop', target: { action: 'Look up order' } });
  assert.deepEqual(parseSlashCommand('watch stop all'), { kind: 'watch-stop', target: { all: true } });
  assert.deepEqual(parseSlashCommand('audit'), { kind: 'audit' });
  assert.equal(parseEvery('90s'), 90_000);
  assert.equal(parseEvery('2'), 120_000);
  for (const bad of ['watch', 'watch stop', 'watch x every=soon', 'watch x every=0m', 'watch x method=POST', 'audit now']) {
    assert.throws(() => parseSlashCommand(bad), (e: Error) => e.message.length < 200 && !e.message.includes('\n'), bad);
  }
});

test('a watch posts nothing when nothing changed; names that are not ours are escaped', () => {
  assert.deepEqual(watchMessages('Watch on x', [], new Map(), null), []);
  const t = compare(EMPTY_STATE, [{ action: { ...result('a', VERDICTS[1]!), name: '<!channel> & co' }, updatedAt: null }], new Set(['a']), new Date().toISOString()).transitions;
  const msgs = watchMessages('Watch', t, new Map(), null);
  assert.equal(msgs.length, 1);
  assert.ok(!JSON.stringify(msgs).includes('<!channel>'));
});
