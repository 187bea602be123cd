import { errorMessage } from '../../../render/blocks.js';
import { StoreError } from '../../../store/db.js';
import { beginAudit, startSlackAudit } from '../../audit-flow.js';
import type { Respond } from '../../diagnose-flow.js';
import { workspaceKey } from '../../workspace.js';
import { clickKey, STOPPING, type App, type ButtonMatch, type ListenerDeps } from '../deps.js';

/** "Audit again" on an audit card a restart interrupted: a new audit of the workspace, in the card's channel (the gate middleware checked who may). */
export function register(app: App, d: ListenerDeps, match: ButtonMatch): void {
  app.action(match, async ({ ack, body, client, respond }) => {
    // Read as the gate reads it (channel first), so the channel the allow-lists were checked on is the one posted in.
    const channel = body.channel?.id ?? (body as { container?: { channel_id?: string } }).container?.channel_id;
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, ...errorMessage(text, false) });
    if (!channel) return void (await ack(), await say('This button only works on an audit card in a channel.'));
    const team = workspaceKey(body.team?.id, body.enterprise?.id, body.is_enterprise_install);
    // Recorded before the ack, as the command is: a retried delivery of this click (same trigger_id) starts nothing.
    const rec = await beginAudit(d.flow, { dedupeKey: clickKey(body), team, channel, user: body.user.id });
    await ack();
    if (rec === 'stopping') return void (await say(STOPPING));
    if (rec instanceof StoreError) return void (await say(`${rec.message} Try again in a moment.`));
    if (rec && !rec.created) return;
    await startSlackAudit(d.audits, client, { channel, team, user: body.user.id, respond: respond as Respond, workId: rec?.row.id });
  });
}
