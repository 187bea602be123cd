import { ACTIONS } from '../../../render/blocks.js';
import { rerunCard, type Respond } from '../../diagnose-flow.js';
import { buttonValue, CARD_GONE, type App, type ListenerDeps } from '../deps.js';

/** Re-run: the same diagnosis again, answered in the card's thread. */
export function register(app: App, d: ListenerDeps): void {
  app.action(ACTIONS.rerun, async ({ ack, action, body, client, respond }) => {
    await ack();
    const card = d.cardFrom(buttonValue(action));
    if (!card) return void (await respond(CARD_GONE));
    await rerunCard(d.flow, client, card, 'Re-run', undefined, body.user.id, respond as Respond);
  });
}
