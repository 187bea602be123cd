import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opencxActionProbe, closestNames } from '../../src/probes/opencx-action.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import type { Action } from '../../src/opencx/schemas.js';
import { withFakeOpenCx } from '../helpers/opencx-ctx.js';

type Ev = Parameters<typeof opencxActionProbe.assess>[0];
const input = parseDiagnosisInput({ action: 'Look up order' });
const ACTION: Action = { id: 'act_1', name: 'Look up order', api_endpoint: 'https://api.acme.test/orders/{id}', request_type: 'GET', status: 'live', enabled_on_channel: { channels: ['web'] } };
const ev = (over: Partial<Ev> = {}): Ev => ({ exchanges: [], action: ACTION, closest: [], given: { endpoint: null, method: 'GET' }, odd: [], unavailable: null, ...over });
const ids = (e: Ev) => opencxActionProbe.assess(e, input).map((f) => `${f.id}:${f.family}:${f.severity}`);

test('a live action with a usable saved endpoint finds nothing', () => {
  assert.deepEqual(ids(ev()), []);
  assert.deepEqual(ids(ev({ given: { endpoint: 'https://api.acme.test/orders/{id}/', method: 'GET' } })), [], 'a trailing slash is the same endpoint');
});

test('a missing action is family 4 and suggests the closest existing names in the fix', () => {
  const fs = opencxActionProbe.assess(ev({ action: null, closest: ['Look up orders', 'Track order'] }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['opencx-action-missing:4:error']);
  assert.ok(fs[0]!.evidence.includes('Did you mean: "Look up orders", "Track order"?'));
  assert.match(fs[0]!.fix, /^Did you mean "Look up orders"\?/);
  const dropped = opencxActionProbe.assess(ev({ action: null, odd: [{ index: 2, id: 'act_x', name: null, problems: ['name: expected string'], kept: false, dropped: [] }] }), input);
  assert.match(dropped[0]!.evidence.at(-1)!, /^1 record\(s\) could not be read and may be this action/);
});

test('closest names rank by edit distance, case-insensitively', () => {
  const acts = ['Refund', 'Track order', 'look up orders', 'Update address'].map((name, i) => ({ ...ACTION, id: `a${i}`, name }));
  assert.deepEqual(closestNames(acts, 'Look up order', 2), ['look up orders', 'Track order']);
});

test('the endpoint or method diagnosed differing from the saved one is a mismatch warning naming both (secrets redacted)', () => {
  const fs = opencxActionProbe.assess(ev({ given: { endpoint: 'https://api.acme.test/v2/orders/{id}?api_key=sk_live_abcdef123456', method: 'GET' } }), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.severity}`), ['opencx-endpoint-mismatch:warning']);
  assert.equal(fs[0]!.evidence[0], 'Saved: GET https://api.acme.test/orders/{id}');
  assert.ok(!fs[0]!.evidence.join().includes('sk_live_abcdef123456'), 'a key in the query string is redacted');
  assert.deepEqual(ids(ev({ given: { endpoint: ACTION.api_endpoint!, method: 'POST' } })).map((x) => x.split(':')[0]), ['opencx-endpoint-mismatch']);
});

test('with no endpoint given, a saved endpoint that is missing, not a URL or not https is unusable', () => {
  for (const api_endpoint of [null, 'orders/{id}', 'http://api.acme.test/orders/{id}']) {
    assert.deepEqual(ids(ev({ action: { ...ACTION, api_endpoint } })), ['opencx-saved-endpoint-unusable:3:error'], String(api_endpoint));
  }
});

test('a draft action is not live; an odd record of this action is an info note', () => {
  assert.deepEqual(ids(ev({ action: { ...ACTION, status: 'draft' } })), ['opencx-action-not-live:4:error']);
  assert.deepEqual(ids(ev({ odd: [{ index: 0, id: 'act_1', name: 'Look up order', problems: ['enabled_on_channel.channels: expected array'], kept: true, dropped: ['enabled_on_channel'] }] })), ['opencx-action-record-unreadable:4:info']);
});

test('OpenCX unreadable with no endpoint known: the key refused is opencx-key-refused, anything else opencx-unavailable (family 5)', () => {
  for (const kind of ['unauthorized', 'forbidden'] as const) assert.deepEqual(ids(ev({ action: null, unavailable: { kind, message: 'OpenCX refused the key (401)' } })), ['opencx-key-refused:5:error']);
  for (const kind of ['unavailable', 'timeout'] as const) assert.deepEqual(ids(ev({ action: null, unavailable: { kind, message: 'OpenCX timed out' } })), ['opencx-unavailable:5:error']);
});

test('real gather from the fake OpenCX: found, missing with suggestions, and a refused key', async () => {
  await withFakeOpenCx(async (ctx, api) => {
    const found = await opencxActionProbe.gather(ctx({ action: 'Look up order' }));
    assert.equal(found.action?.id, 'act_1');
    assert.deepEqual(opencxActionProbe.assess(found, input), []);
    assert.equal(opencxActionProbe.summarize!(found), 'found "Look up order"');

    const missing = await opencxActionProbe.gather(ctx({ action: 'Lookup ordr' }));
    assert.equal(missing.action, null);
    assert.equal(missing.closest[0], 'Look up order');
    assert.deepEqual(opencxActionProbe.assess(missing, input).map((f) => f.id), ['opencx-action-missing']);

  });
  await withFakeOpenCx(async (ctx, api) => {
    api.fail('/actions', { status: 401 });
    const refused = await opencxActionProbe.gather(ctx({ action: 'Look up order' }));
    assert.equal(refused.unavailable?.kind, 'unauthorized');
    assert.deepEqual(opencxActionProbe.assess(refused, input).map((f) => f.id), ['opencx-key-refused']);
    assert.ok(!JSON.stringify(refused).includes(api.key), 'the OpenCX key is not in the evidence');
  });
});
