import { parseDiagnosisInput } from '../../../pipeline/input.js';
import { MODAL_CALLBACK, modalChannel, modalDraft } from '../../modal.js';
import { startCardDiagnosis, workPayload, type Respond } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { workspaceKey } from '../../workspace.js';
import { slackSpecRefusal } from '../../spec-source.js';
import type { App, ListenerDeps } from '../deps.js';


/** The diagnosis form's submission: field errors go back into the form; a valid one starts a card. */
export function register(app: App, d: ListenerDeps): void {
  app.view(MODAL_CALLBACK, async ({ ack, view, body, client, respond }) => {
    let input;
    try {
      const draft = modalDraft(view.state.values);
      const specRefused = slackSpecRefusal(draft.spec);
      if (specRefused) return void (await ack({ response_action: 'errors', errors: { spec: specRefused } }));
      input = parseDiagnosisInput(draft);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const block = ['endpoint', 'session', 'action', 'method', 'spec', 'burst'].find((b) => msg.startsWith(b)) ?? 'endpoint';
      return void (await ack({ response_action: 'errors', errors: { [block]: msg.replace(/^\w+: /, '') } }));
    }
    const channel = modalChannel(view.private_metadata) ?? body.user.id;
    const team = workspaceKey(body.team?.id ?? body.user.team_id ?? 'T?', body.enterprise?.id, body.is_enterprise_install);
    // Recorded before the form closes (see commands/action-debug.ts); the view id makes a second submission start nothing.
    const rec = d.flow.work && !d.flow.work.stopping
      ? await d.flow.work.begin({ kind: 'diagnose', dedupeKey: `view:${view.id}`, workspace: team, channel, requester: body.user.id, payload: workPayload(input) })
      : undefined;
    await ack();
    if (rec && !rec.created) return;
    crashPoint('diagnose:after-ack');
    await startCardDiagnosis(d.flow, client, { input, channel, team, user: body.user.id, respond: respond as Respond | undefined, workId: rec?.row.id });
  });
}
