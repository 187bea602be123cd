import { ACTIONS, followUpsFor } from '../../../render/blocks.js';
import { followUpCheck } from '../../diagnose-flow.js';
import { buttonValue, type App, type ListenerDeps } from '../deps.js';

/** A follow-up check from the thread: one probe again, its result in the thread. */
export function register(app: App, d: ListenerDeps): void {
  app.action(ACTIONS.followUp, async ({ ack, action, body, client }) => {
    await ack();
    const value = buttonValue(action);
    const card = d.cardFrom(value);
    if (!card) return;
    const probeId = value.split('|')[1] ?? '';
    // The label too comes from the stored card's verdict (the gate checked the check is offered), not from the payload.
    const offered = card.reports.at(-1) ? followUpsFor(card.reports.at(-1)!).find((f) => f.id === probeId) : undefined;
    await followUpCheck(d.flow, client, card, probeId, offered?.label ?? 'Follow-up', body.user.id);
  });
}
