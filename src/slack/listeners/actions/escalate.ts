import { NOT_CONFIGURED } from '../../escalate.js';
import { buttonValue, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** Escalate: opens the prefilled ticket form (the submission itself is the support module's). */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, action, body, client, respond }) => {
    await ack();
    const card = await d.cardFrom(buttonValue(action));
    if (!d.support) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_CONFIGURED }));
    if (!card) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'This card is from before a restart and no database is configured: run /action-debug again, then escalate.' }));
    const note = await d.support.escalation.open(client, card, (body as { trigger_id: string }).trigger_id, body.user.id);
    if (note) await respond({ response_type: 'ephemeral', replace_original: false, text: note });
  });
}
