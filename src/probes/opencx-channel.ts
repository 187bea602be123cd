import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import type { DiagnosisInput } from '../pipeline/input.js';
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
  /** Why the toggle is unknown when OpenCX sent `enabled_on_channel` in an undocumented shape. */
  unreadable: string | null;
}

export const opencxChannelProbe: Probe<ChannelEvidence, DiagnosisInput> = {
  id: ID,
  title: 'Action channel toggle',
  causes: Object.values(causes),
  withoutEndpoint: true,
  skip: needs('action', 'session'),
  async gather(ctx) {
    const facts = opencxOf(ctx);
    const [{ actions, odd }, session] = await Promise.all([facts.actionList(), facts.session(ctx.input.session!)]);
    const action = findAction(actions, ctx.input.action!);
    const enabled = action?.enabled_on_channel?.channels ?? null;
    const oddOne = action ? odd.find((o) => o.kept && o.id === action.id && o.dropped.includes('enabled_on_channel')) : undefined;
    const unreadable = oddOne ? oddOne.problems.filter((p) => p.startsWith('enabled_on_channel')).join('; ') : null;
    return {
      exchanges: [], channel: session.channel.type, enabled, found: !!action, unreadable,
      facts: { 'session channel': session.channel.type, 'enabled on': enabled?.join(', ') ?? (unreadable ? `(unreadable: ${unreadable})` : '(unknown)') },
    };
  },
  assess(ev): Finding[] {
    if (!ev.found || ev.enabled === null) return [];
    if (ev.enabled.includes(ev.channel)) return [];
    const name = DASHBOARD_NAME[ev.channel] ?? ev.channel;
    return [finding(causes.off, ID, [`The session came in on ${name} (API "${ev.channel}")`, `The action is enabled on: ${ev.enabled.map((c) => DASHBOARD_NAME[c] ?? c).join(', ') || 'no channel'}`], {
      fix: `Turn on "${name}" in the action's Channels, then try again in a new conversation.`,
    })];
  },
  summarize: (ev) =>
    ev.unreadable ? `unknown: OpenCX sent the action's channels in an undocumented shape (${ev.unreadable})`
    : !ev.found ? 'no such action'
    : `enabled on ${DASHBOARD_NAME[ev.channel] ?? ev.channel}`,
};
