import { FOLLOW_UP_ACTION, followUpsFor } from '../../../render/blocks.js';
import { followUpCheck, type Respond } from '../../diagnose-flow.js';
import { buttonValue, type App, type ListenerDeps } from '../deps.js';

/** A follow-up check from the thread: one probe again, its result in the thread. */
export function register(app: App, d: ListenerDeps): void {
  // Each check's button has its own action_id (ad_follow_up:<check>): Slack refuses repeated ones in a message.
  app.action(FOLLOW_UP_ACTION, async ({ ack, action, body, client, respond }) => {
    await ack();
    const value = buttonValue(action);
    const card = d.cardFrom(value);
    if (!card) return;
    const probeId = value.split('|')[1] ?? '';
    // The label too comes from the stored card's verdict (the gate checked the check is offered), not from the payload.
    const offered = card.reports.at(-1) ? followUpsFor(card.reports.at(-1)!).find((f) => f.id === probeId) : undefined;
    await followUpCheck(d.flow, client, card, probeId, offered?.label ?? 'Follow-up', body.user.id, respond as Respond);
  });
}
