import { parseDiagnosisInput } from '../../../pipeline/input.js';
import { MODAL_CALLBACK, modalChannel, modalDraft } from '../../modal.js';
import { startCardDiagnosis, type Respond } from '../../diagnose-flow.js';
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
    await ack();
    const channel = modalChannel(view.private_metadata) ?? body.user.id;
    const team = workspaceKey(body.team?.id ?? body.user.team_id ?? 'T?', body.enterprise?.id, body.is_enterprise_install);
    await startCardDiagnosis(d.flow, client, { input, channel, team, user: body.user.id, respond: respond as Respond | undefined });
  });
}
