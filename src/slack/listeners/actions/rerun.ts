import { errorMessage } from '../../../render/blocks.js';
import { postThread, rerunCard, stillRunning, workPayload, type Respond } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { buttonValue, CARD_GONE, clickKey, STOPPING, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

const NEWER = 'Your Re-run click came before the card\'s latest verdict (someone, or a double click, re-ran it meanwhile), so it started nothing: the card is up to date. Press Re-run again to run it once more.';

/** When the user clicked (Slack's action_ts: seconds, with microseconds), in ms; null when Slack did not say. */
function clickedAt(action: unknown): number | null {
  const ts = Number((action as { action_ts?: string }).action_ts);
  return Number.isFinite(ts) && ts > 0 ? ts * 1000 : null;
}

/** Re-run: the same diagnosis again, answered in the card's thread. */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, action, body, client, respond }) => {
    const card = await d.cardFrom(buttonValue(action));
    if (!card) return void (await ack(), await respond(CARD_GONE));
    // Recorded before the ack: once Slack shows the click as taken, a crash cannot lose it.
    const w = d.flow.work;
    if (w?.stopping) return void (await ack(), await respond({ response_type: 'ephemeral', replace_original: false, text: STOPPING }));
    // A double click, or the same click on two instances: the database decides, in one transaction per card, whether
    // this click starts a run (nothing runs, and no verdict came after the click was made) or is the second of two.
    const rec = await w?.beginCardRun({ kind: 'rerun', dedupeKey: clickKey(body), cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: body.user.id, payload: workPayload(card.input, { why: 'Re-run' }) }, clickedAt(action));
    crashPoint('rerun:after-commit');
    await ack();
    if (rec && !rec.created) return;
    if (rec?.conflict === 'running') return void (await postThread(d.flow, client, card, errorMessage(stillRunning('Re-run'), false), respond as Respond));
    if (rec?.conflict === 'newer') return void (await respond({ response_type: 'ephemeral', replace_original: false, text: NEWER }).catch(() => {}));
    crashPoint('rerun:after-ack');
    await rerunCard(d.flow, client, card, 'Re-run', undefined, body.user.id, respond as Respond, rec?.row.id);
  });
}
