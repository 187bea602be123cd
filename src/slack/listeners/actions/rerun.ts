import { ACTIONS } from '../../../render/blocks.js';
import { rerunCard, workPayload, type Respond } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { buttonValue, CARD_GONE, clickKey, STOPPING, type App, type ListenerDeps } from '../deps.js';

/** Re-run: the same diagnosis again, answered in the card's thread. */
export function register(app: App, d: ListenerDeps): void {
  app.action(ACTIONS.rerun, async ({ ack, action, body, client, respond }) => {
    const card = await d.cardFrom(buttonValue(action));
    if (!card) return void (await ack(), await respond(CARD_GONE));
    // Recorded before the ack: once Slack shows the click as taken, a crash cannot lose it.
    const w = d.flow.work;
    if (w?.stopping) return void (await ack(), await respond({ response_type: 'ephemeral', replace_original: false, text: STOPPING }));
    const rec = await w?.begin({ kind: 'rerun', dedupeKey: clickKey(body), cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: body.user.id, payload: workPayload(card.input, { why: 'Re-run' }) });
    crashPoint('rerun:after-commit');
    await ack();
    if (rec && !rec.created) return;
    crashPoint('rerun:after-ack');
    await rerunCard(d.flow, client, card, 'Re-run', undefined, body.user.id, respond as Respond, rec?.row.id);
  });
}
