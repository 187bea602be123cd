import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opencxChannelProbe } from '../../src/probes/opencx-channel.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { withFakeOpenCx } from '../helpers/opencx-ctx.js';

type Ev = Parameters<typeof opencxChannelProbe.assess>[0];
const input = parseDiagnosisInput({ action: 'Look up order', session: 'ses_email' });
const ev = (channel: string, enabled: string[] | null, found = true): Ev => ({ exchanges: [], channel, enabled, found, unreadable: null });

test('a session on a channel the action is not enabled on is opencx-channel-off, in the dashboard\'s words', () => {
  const fs = opencxChannelProbe.assess(ev('email', ['web']), input);
  assert.deepEqual(fs.map((f) => `${f.id}:${f.family}:${f.severity}`), ['opencx-channel-off:4:error']);
  assert.deepEqual(fs[0]!.evidence, ['The session came in on email (API "email")', 'The action is enabled on: widget']);
  assert.equal(fs[0]!.fix, 'Turn on "email" in the action\'s Channels, then try again in a new conversation.');
  assert.match(opencxChannelProbe.assess(ev('web', []), input)[0]!.evidence[1]!, /enabled on: no channel$/);
  assert.match(opencxChannelProbe.assess(ev('phone_voice', ['web', 'whatsapp']), input)[0]!.evidence.join('\n'), /on phone \(API "phone_voice"\)[\s\S]*widget, WhatsApp/);
});

test('enabled on the session\'s channel, an unknown action, or unreadable channels: no finding (nothing to blame)', () => {
  assert.deepEqual(opencxChannelProbe.assess(ev('email', ['web', 'email']), input), []);
  assert.deepEqual(opencxChannelProbe.assess(ev('email', ['web'], false), input), [], 'the action probe reports a missing action');
  assert.deepEqual(opencxChannelProbe.assess(ev('email', null), input), [], 'unknown toggles are not called off');
});

test('real gather from the fake OpenCX: widget-only action on an email session is off; an odd channels record is unknown', async () => {
  await withFakeOpenCx(async (ctx) => {
    const off = await opencxChannelProbe.gather(ctx({ action: 'Look up order', session: 'ses_email' }));
    assert.equal(off.channel, 'email');
    assert.deepEqual(off.enabled, ['web']);
    assert.deepEqual(opencxChannelProbe.assess(off, input).map((f) => f.id), ['opencx-channel-off']);

    const on = await opencxChannelProbe.gather(ctx({ action: 'Track order', session: 'ses_email' }));
    assert.deepEqual(opencxChannelProbe.assess(on, input), []);
    assert.equal(opencxChannelProbe.summarize!(on), 'enabled on email');

    const odd = await opencxChannelProbe.gather(ctx({ action: 'Check stock', session: 'ses_email' }));
    assert.equal(odd.enabled, null);
    assert.match(odd.unreadable ?? '', /^enabled_on_channel/);
    assert.deepEqual(opencxChannelProbe.assess(odd, input), []);
    assert.match(opencxChannelProbe.summarize!(odd), /^unknown: OpenCX sent the action's channels in an undocumented shape/);
  });
});
