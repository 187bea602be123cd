import { buttonValue, CARD_GONE, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** Re-run in N minutes: stored, so it survives a restart (RerunSchedule). */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, action, body, respond }) => {
    const card = await d.cardFrom(buttonValue(action));
    if (!card) return void (await ack(), await respond(CARD_GONE));
    const minutes = d.settings.RERUN_LATER_MINUTES;
    // Stored before the ack: the promise in the reply below survives a crash right after it.
    await d.reruns.add(card.id, Date.now() + minutes * 60_000, body.user.id, `Re-run after ${minutes} min`);
    await ack();
    await respond({ response_type: 'ephemeral', replace_original: false, text: `I'll re-run this diagnosis in ${minutes} minutes and answer in the thread.` });
  });
}
