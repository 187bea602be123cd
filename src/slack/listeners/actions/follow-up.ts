import { ACTIONS } from '../../../render/blocks.js';
import { followUpCheck, workPayload } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { buttonValue, clickKey, type App, type ListenerDeps } from '../deps.js';

/** A follow-up check from the thread: one probe again, its result in the thread. */
export function register(app: App, d: ListenerDeps): void {
  app.action(ACTIONS.followUp, async ({ ack, action, body, client }) => {
    const value = buttonValue(action);
    const card = await d.cardFrom(value);
    const label = (action as { text?: { text?: string } }).text?.text ?? 'Follow-up';
    const probeId = value.split('|')[1] ?? '';
    // Recorded before the ack (see rerun.ts).
    const rec = card && !d.flow.work?.stopping
      ? await d.flow.work?.begin({ kind: 'follow-up', dedupeKey: clickKey(body), cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: card.user, payload: workPayload(card.input, { probeId, label }) })
      : undefined;
    await ack();
    if (rec && !rec.created) return;
    crashPoint('follow-up:after-ack');
    if (card) await followUpCheck(d.flow, client, card, probeId, label, rec?.row.id);
  });
}
