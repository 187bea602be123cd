import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opencxSegmentsProbe } from '../../src/probes/opencx-segments.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { withFakeOpenCx } from '../helpers/opencx-ctx.js';

type Ev = Parameters<typeof opencxSegmentsProbe.assess>[0];
const input = parseDiagnosisInput({ session: 'ses_web' });
const ev = (contactId: string | null, segments: string[]): Ev => ({ exchanges: [], contactId, segments });
const GAP = /public API does not show which segments the action is restricted to/;

test('an anonymous contact is a warning: only unrestricted actions are offered', () => {
  const fs = opencxSegmentsProbe.assess(ev(null, []), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['opencx-contact-anonymous:4:warning']);
  assert.match(fs[0]!.evidence.join('\n'), GAP, 'says what cannot be seen through the API');
});

test('a contact in no segment is a warning naming the contact; memberships are only info', () => {
  const none = opencxSegmentsProbe.assess(ev('con_1', []), input);
  assert.deepEqual(none.map((f) => `${f.id}:${f.severity}`), ['opencx-contact-in-no-segment:warning']);
  assert.equal(none[0]!.evidence[0], 'Contact con_1 is in no segment');
  const some = opencxSegmentsProbe.assess(ev('con_1', ['VIP customers', 'EU']), input);
  assert.deepEqual(some.map((f) => `${f.id}:${f.severity}`), ['opencx-contact-segments:info']);
  assert.equal(some[0]!.evidence[0], 'Contact con_1 is in: VIP customers, EU');
});

test('real gather from the fake OpenCX: the session\'s contact and its segments', async () => {
  await withFakeOpenCx(async (ctx) => {
    const vip = await opencxSegmentsProbe.gather(ctx({ session: 'ses_web' }));
    assert.deepEqual([vip.contactId, vip.segments], ['con_vip', ['VIP customers']]);
    assert.deepEqual(opencxSegmentsProbe.assess(vip, input).map((f) => f.id), ['opencx-contact-segments']);
    const plain = await opencxSegmentsProbe.gather(ctx({ session: 'ses_email' }));
    assert.deepEqual(opencxSegmentsProbe.assess(plain, input).map((f) => f.id), ['opencx-contact-in-no-segment']);
    const anon = await opencxSegmentsProbe.gather(ctx({ session: 'ses_anon' }));
    assert.equal(anon.facts?.['contact'], '(anonymous)');
    assert.deepEqual(opencxSegmentsProbe.assess(anon, input).map((f) => f.id), ['opencx-contact-anonymous']);
  });
});
