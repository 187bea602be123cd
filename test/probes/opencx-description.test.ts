import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opencxDescriptionProbe } from '../../src/probes/opencx-description.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { withFakeOpenCx } from '../helpers/opencx-ctx.js';

type Ev = Parameters<typeof opencxDescriptionProbe.assess>[0];
const input = parseDiagnosisInput({ action: 'Refund' });
const ev = (description: string | null, similar: Ev['similar'] = [], found = true): Ev => ({ exchanges: [], description, similar, found });
const ids = (e: Ev) => opencxDescriptionProbe.assess(e, input).map((f) => `${f.id}:${f.family}:${f.severity}`);

test('a description under 20 characters is too short (error), quoting it with its length', () => {
  const fs = opencxDescriptionProbe.assess(ev('Refunds'), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['opencx-description-short:4:error']);
  assert.deepEqual(fs[0]!.evidence, ['"Refunds" has 7 characters']);
  assert.deepEqual(ids(ev('')), ['opencx-description-short:4:error'], 'an empty description too');
});

test('a long description with no verb saying what it does is vague; a verb and a noun is fine', () => {
  assert.deepEqual(ids(ev('Orders endpoint for the shop backend v2')), ['opencx-description-vague:4:warning']);
  assert.deepEqual(ids(ev('Look up an order by ID and return its status, carrier and tracking number')), []);
});

test('near-duplicate descriptions of other actions are each named with their share of common words (at most two)', () => {
  const similar = [
    { name: 'Track order', description: 'Look up an order by ID and return its tracking status', score: 0.8 },
    { name: 'Order status', description: 'Look up an order and return status', score: 0.7 },
    { name: 'Third', description: 'Look up order', score: 0.6 },
  ];
  const fs = opencxDescriptionProbe.assess(ev('Look up an order by ID and return its status, carrier and tracking number', similar), input);
  assert.deepEqual(fs.map((f) => f.id), ['opencx-description-overlap', 'opencx-description-overlap']);
  assert.match(fs[0]!.evidence[1]!, /^"Track order": ".*" \(80% the same words\)$/);
});

test('an action that was not found is not judged here (the action probe reports it)', () => {
  assert.deepEqual(ids(ev(null, [], false)), []);
});

test('real gather from the fake OpenCX: the short "Refunds" and the overlapping order look-ups', async () => {
  await withFakeOpenCx(async (ctx) => {
    const refund = await opencxDescriptionProbe.gather(ctx({ action: 'Refund' }));
    assert.equal(refund.description, 'Refunds');
    assert.deepEqual(opencxDescriptionProbe.assess(refund, input).map((f) => f.id), ['opencx-description-short']);
    const lookUp = await opencxDescriptionProbe.gather(ctx({ action: 'Look up order' }));
    assert.ok(lookUp.similar.some((s) => s.name === 'Track order'), JSON.stringify(lookUp.similar));
    assert.ok(lookUp.similar.every((s) => s.name !== 'Look up order'), 'never similar to itself');
    assert.ok(opencxDescriptionProbe.assess(lookUp, input).some((f) => f.id === 'opencx-description-overlap'));
    const address = await opencxDescriptionProbe.gather(ctx({ action: 'Update address' }));
    assert.deepEqual(opencxDescriptionProbe.assess(address, input), []);
  });
});
