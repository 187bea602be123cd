import { detailsMessage } from '../../../render/blocks.js';
import { buttonValue, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** Details: points to the thread, where every check's evidence is. */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, action, respond }) => {
    await ack();
    const card = await d.cardFrom(buttonValue(action));
    const last = card?.reports.at(-1);
    // A card posted through response_url has no thread: its details come to the clicker instead.
    if (card && !card.ts && last) return void (await respond({ response_type: 'ephemeral', replace_original: false, ...detailsMessage(last) }));
    await respond({ response_type: 'ephemeral', replace_original: false, text: card?.ts ? 'Every check\'s evidence is in this card\'s thread.' : 'This card has no thread: run /action-debug again in a channel I am in.' });
  });
}
