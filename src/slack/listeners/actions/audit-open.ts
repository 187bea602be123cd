import { errorLine } from '../../../core/error-line.js';
import { md } from '../../../render/slack-limits.js';
import { openAuditedCard } from '../../audit-flow.js';
import { workspaceKey } from '../../workspace.js';
import { buttonValue, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** "Open card" on an audit's broken line: that action's full card, in the audit's thread. */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, action, body, client, respond }) => {
    await ack();
    const container = (body as { container?: { channel_id?: string; message_ts?: string; thread_ts?: string } }).container;
    const channel = container?.channel_id ?? body.channel?.id;
    // A line posted in the thread (beyond the card's 40) opens its card in that same thread.
    const summaryTs = container?.thread_ts ?? container?.message_ts;
    if (!channel || !summaryTs) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'This button only works on an audit card in a channel.' }));
    const team = workspaceKey(body.team?.id, body.enterprise?.id, body.is_enterprise_install);
    const refusal = d.allowed({ user: body.user.id, channel, team });
    if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal }));
    try {
      const problem = await openAuditedCard(d.audits, client, { value: buttonValue(action), channel, summaryTs, team, user: body.user.id });
      if (problem) await respond({ response_type: 'ephemeral', replace_original: false, text: problem });
    } catch (err) {
      d.log.error({ err: errorLine(err) }, 'audit card could not be opened');
      await respond({ response_type: 'ephemeral', replace_original: false, text: md`The card could not be opened: ${errorLine(err)}`.text });
    }
  });
}
