import { followUpsFor } from '../../../render/blocks.js';
import { followUpCheck, workPayload, type Respond } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { buttonValue, clickKey, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** A follow-up check from the thread: one probe again, its result in the thread. */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  // Each check's button has its own action_id (ad_follow_up:<check>): Slack refuses repeated ones in a message.
  app.action(match, async ({ ack, action, body, client, respond }) => {
    const value = buttonValue(action);
    const card = await d.cardFrom(value);
    if (!card) return void (await ack());
    const probeId = value.split('|')[1] ?? '';
    // The label too comes from the stored card's verdict (the gate checked the check is offered), not from the payload.
    const offered = card.reports.at(-1) ? followUpsFor(card.reports.at(-1)!).find((f) => f.id === probeId) : undefined;
    const label = offered?.label ?? 'Follow-up';
    // Recorded before the ack (see rerun.ts).
    const rec = !d.flow.work?.stopping
      ? await d.flow.work?.begin({ kind: 'follow-up', dedupeKey: clickKey(body), cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: body.user.id, payload: workPayload(card.input, { probeId, label }) })
      : undefined;
    await ack();
    if (rec && !rec.created) return;
    crashPoint('follow-up:after-ack');
    await followUpCheck(d.flow, client, card, probeId, label, body.user.id, respond as Respond, rec?.row.id);
  });
}
