import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { findAction, needs, opencxOf } from '../opencx/facts.js';

const ID = 'opencx-channel';
/** The dashboard's names for the API's channel types. */
const DASHBOARD_NAME: Record<string, string> = { web: 'widget', phone_voice: 'phone', web_voice: 'widget voice', whatsapp: 'WhatsApp', sms: 'SMS', email: 'email', slack: 'Slack', api: 'API' };

export const causes = {
  off: defineCause({
    id: 'opencx-channel-off', family: 4, severity: 'error', rank: 85,
    title: 'The action is not enabled on the channel of this session',
    meaning: 'Actions are offered to the AI only on the channels toggled on for them; newly imported actions are on the widget only.',
    fix: 'Turn the channel on in the action\'s page (Channels), then try again in a new conversation.',
  }),
};

interface ChannelEvidence extends Evidence {
  channel: string;
  enabled: string[] | null;
  found: boolean;
}

export const opencxChannelProbe: Probe<ChannelEvidence> = {
  id: ID,
  title: 'Action channel toggle',
  causes: Object.values(causes),
  skip: needs('action', 'session'),
  async gather(ctx) {
    const facts = opencxOf(ctx);
    const [actions, session] = await Promise.all([facts.actions(), facts.session(ctx.input.session!)]);
    const action = findAction(actions, ctx.input.action!);
    const enabled = action?.enabled_on_channel?.channels ?? null;
    return { exchanges: [], channel: session.channel.type, enabled, found: !!action, facts: { 'session channel': session.channel.type, 'enabled on': enabled?.join(', ') ?? '(unknown)' } };
  },
  assess(ev): Finding[] {
    if (!ev.found || ev.enabled === null) return [];
    if (ev.enabled.includes(ev.channel)) return [];
    const name = DASHBOARD_NAME[ev.channel] ?? ev.channel;
    return [finding(causes.off, ID, [`The session came in on ${name} (API "${ev.channel}")`, `The action is enabled on: ${ev.enabled.map((c) => DASHBOARD_NAME[c] ?? c).join(', ') || 'no channel'}`], {
      fix: `Turn on "${name}" in the action's Channels, then try again in a new conversation.`,
    })];
  },
  summarize: (ev) => `enabled on ${DASHBOARD_NAME[ev.channel] ?? ev.channel}`,
};
