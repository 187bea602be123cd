import { FOLLOW_UP_ACTION } from '../../../render/blocks.js';
import { followUpCheck, type Respond } from '../../diagnose-flow.js';
import { buttonValue, type App, type ListenerDeps } from '../deps.js';

/** A follow-up check from the thread: one probe again, its result in the thread. */
export function register(app: App, d: ListenerDeps): void {
  app.action(FOLLOW_UP_ACTION, async ({ ack, action, client, respond }) => {
    await ack();
    const value = buttonValue(action);
    const card = d.cardFrom(value);
    const label = (action as { text?: { text?: string } }).text?.text ?? 'Follow-up';
    if (card) await followUpCheck(d.flow, client, card, value.split('|')[1] ?? '', label, respond as Respond);
  });
}
