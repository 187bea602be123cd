import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readActionList, ActionSchema } from '../../src/opencx/schemas.js';
import { opencxActionProbe } from '../../src/probes/opencx-action.js';
import { OpenCxError, type OpenCxErrorKind } from '../../src/opencx/client.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { seededRandom } from '../helpers/seeded-random.js';

// Odd values real accounts send where the reference promises something else.
const ODD_VALUES: unknown[] = [null, {}, [], 42, 'web', { channels: null }, { channels: 'web' }, { channels: [1] }, true];
const FIELDS = ['description', 'api_endpoint', 'request_type', 'payload', 'status', 'enabled_on_channel', 'is_handoff_like', 'pinned', 'tags'];

function valid(i: number) {
  return {
    id: `act_${i}`, name: `Action ${i}`, description: 'Look up an order by ID and return its status', api_endpoint: `https://api.test/${i}`, request_type: 'GET', operation_id: null,
    payload: {}, status: 'live', pinned: false, tags: [], enabled_on_channel: { channels: ['web'] }, is_handoff_like: false, require_form_submission: false,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  };
}

test('generated lists with odd fields: every record with a readable id and name is kept, nothing is lost silently, valid records are never reported', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = seededRandom(seed);
    const items: unknown[] = [];
    const expectKept: string[] = [];
    const n = 1 + Math.floor(r() * 12);
    for (let i = 0; i < n; i++) {
      const rec: Record<string, unknown> = valid(i);
      const roll = r();
      if (roll < 0.1) items.push(r() < 0.5 ? null : 'not a record');
      else if (roll < 0.2) {
        delete rec[r() < 0.5 ? 'id' : 'name'];
        items.push(rec);
      } else {
        for (const f of FIELDS) if (r() < 0.15) rec[f] = ODD_VALUES[Math.floor(r() * ODD_VALUES.length)];
        items.push(rec);
        expectKept.push(rec['id'] as string);
      }
    }
    const { actions, odd } = readActionList(items);
    const label = `seed ${seed}`;
    assert.deepEqual(actions.map((a) => a.id), expectKept, label);
    for (const a of actions) assert.ok(ActionSchema.safeParse(a).success, `${label}: a kept record matches the documented shape`);
    const validCount = items.filter((x) => ActionSchema.safeParse(x).success).length;
    assert.equal(actions.length - odd.filter((o) => o.kept).length, validCount, `${label}: every odd record is reported, no valid one is`);
    assert.equal(actions.length + odd.filter((o) => !o.kept).length, items.length, `${label}: each record is kept or reported as left out`);
    for (const o of odd) {
      assert.ok(o.problems.length > 0, label);
      if (o.kept) for (const f of o.dropped) assert.ok(o.problems.some((p) => p.startsWith(f)), `${label}: ${f} dropped with its reason`);
    }
  }
});

test('the action check with no endpoint: an OpenCX failure is the verdict (family 5, key refused or unavailable); with an endpoint it is "could not run"', async () => {
  const kinds: [OpenCxErrorKind, number | null][] = [['unauthorized', 401], ['forbidden', 403], ['unavailable', 500], ['timeout', null], ['bad_response', 200], ['rate_limited', 429], ['not_found', 404]];
  for (const [kind, status] of kinds) {
    const err = new OpenCxError(kind, `OpenCX said ${kind}`, status);
    const services = { opencx: { actionList: () => Promise.reject(err) } };
    const signal = new AbortController().signal;
    const baseline = Promise.reject(new Error('not made'));
    baseline.catch(() => {});
    const bare = parseDiagnosisInput({ action: 'Look up order', session: 's' });
    const ev = await opencxActionProbe.gather({ input: bare, net: {} as never, signal, services, baseline });
    const [f, ...rest] = opencxActionProbe.assess(ev, bare);
    assert.equal(rest.length, 0, kind);
    assert.equal(f!.family, 5, kind);
    assert.equal(f!.id, kind === 'unauthorized' || kind === 'forbidden' ? 'opencx-key-refused' : 'opencx-unavailable', kind);
    assert.equal(f!.evidence[0], `OpenCX said ${kind}`);
    const known = parseDiagnosisInput({ endpoint: 'https://api.test/x', action: 'Look up order', session: 's' });
    await assert.rejects(opencxActionProbe.gather({ input: known, net: {} as never, signal, services, baseline }), (e) => e === err, `${kind} with an endpoint`);
  }
});
