import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { InputError } from '../../../core/input-error.js';
import type { DiagnosisInput } from '../../../pipeline/input.js';
import { OwnerConfirmationNeeded, prepareInput } from '../../../pipeline/prepare-input.js';
import type { OpenCxServices } from '../../../opencx/facts.js';
import { errorMessage, helpMessage } from '../../../render/blocks.js';
import { md, mrkdwnEscape } from '../../../render/slack-limits.js';
import { parseSlashCommand, type SlashCommand } from '../../parse-command.js';
import { diagnoseModal } from '../../modal.js';
import { startCardDiagnosis, workPayload, type Respond } from '../../diagnose-flow.js';
import { crashPoint } from '../../../core/crash-point.js';
import { StoreError } from '../../../store/db.js';
import { historyText } from '../../support.js';
import { workspaceKey } from '../../workspace.js';
import { beginAudit, startSlackAudit } from '../../audit-flow.js';
import { slackSpecRefusal } from '../../spec-source.js';
import { STOPPING, type App, type ListenerDeps } from '../deps.js';

const BURST_NEEDS_FORM = md`burst= sends several calls in a row: open the form (\`/action-debug\` alone) to confirm you own the endpoint.`;

/**
 * `/action-debug …`: help, history, the form, or a diagnosis. Answered within Slack's 3 s: a diagnosis is acknowledged
 * first and runs after; only mistakes in what was typed are answered in the ack itself.
 */
export function register(app: App, d: ListenerDeps): void {
  app.command(/^\/action-debug/, async ({ command, ack, respond, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const rid = command.trigger_id;
    if (context.retryNum || !d.firstDelivery(command.trigger_id)) {
      await ack();
      d.log.info({ rid, retry: context.retryNum }, 'retried delivery ignored');
      return;
    }
    const refusal = d.allowed({ user: command.user_id, channel: command.channel_id, team: workspaceKey(command.team_id, command.enterprise_id, command.is_enterprise_install) });
    if (refusal) return void (await ack({ response_type: 'ephemeral', ...errorMessage(refusal, false) }));
    const facts = (d.flow.services as OpenCxServices).opencx;
    let parsed: SlashCommand;
    let input: DiagnosisInput | undefined;
    try {
      parsed = parseSlashCommand(command.text ?? '');
      const specRefused = parsed.kind === 'diagnose' ? slackSpecRefusal(parsed.draft.spec) : null;
      if (specRefused) return void (await ack({ response_type: 'ephemeral', ...errorMessage(specRefused, false) }));
      // With an endpoint (or no OpenCX to ask) the input is complete now; a saved endpoint is looked up after the ack.
      if (parsed.kind === 'diagnose' && (parsed.draft.endpoint || !facts)) input = await prepareInput(parsed.draft, { ownerConfirmed: false, net: d.flow.net });
    } catch (err) {
      if (err instanceof OwnerConfirmationNeeded) return void (await ack({ response_type: 'ephemeral', ...errorMessage(BURST_NEEDS_FORM, false) }));
      if (!(err instanceof InputError)) throw err;
      return void (await ack({ response_type: 'ephemeral', ...errorMessage(err.message) }));
    }
    if (parsed.kind === 'help') return void (await ack({ response_type: 'ephemeral', ...helpMessage() }));
    if (parsed.kind === 'history') {
      if (!d.store) return void (await ack({ response_type: 'ephemeral', ...errorMessage('History is not available: no database is configured.', false) }));
      return void (await ack({ response_type: 'ephemeral', text: await historyText(d.store, parsed.action, workspaceKey(command.team_id, command.enterprise_id, command.is_enterprise_install)) }));
    }
    if (parsed.kind === 'audit' || parsed.kind === 'watch' || parsed.kind === 'watch-list' || parsed.kind === 'watch-stop') {
      const team = workspaceKey(command.team_id, command.enterprise_id, command.is_enterprise_install);
      if (parsed.kind === 'audit') {
        // Recorded before the ack, like a diagnosis: a restart finishes the audit (or closes its card), and the
        // trigger_id makes a retried delivery, on any instance, start nothing.
        const rec = await beginAudit(d.flow, { dedupeKey: `trigger:${command.trigger_id}`, team, channel: command.channel_id, user: command.user_id });
        if (rec === 'stopping') return void (await ack({ response_type: 'ephemeral', ...errorMessage(STOPPING, false) }));
        if (rec instanceof StoreError) return void (await ack({ response_type: 'ephemeral', ...errorMessage(`${rec.message} Try again in a moment.`, false) }));
        if (rec && !rec.created) return void (await ack(), d.log.info({ rid }, 'retried delivery ignored (already recorded)'));
        crashPoint('audit:after-commit');
        await ack({ response_type: 'ephemeral', text: 'Auditing every action of this organisation… the summary card appears in this channel and updates as actions are checked.' });
        crashPoint('audit:after-ack');
        await d.quietStart.wait();
        return void (await startSlackAudit(d.audits, client, { channel: command.channel_id, team, user: command.user_id, respond: respond as Respond, workId: rec?.row.id }));
      }
      if (!d.watches) return void (await ack({ response_type: 'ephemeral', ...errorMessage('Watches are stored schedules: they need a database (DATABASE_PATH).', false) }));
      const reply =
        parsed.kind === 'watch' ? await d.watches.add({ team, channel: command.channel_id, user: command.user_id, target: parsed.target, everyMs: parsed.everyMs })
        : parsed.kind === 'watch-list' ? await d.watches.list(team)
        : await d.watches.stop({ team, channel: command.channel_id, target: parsed.target });
      return void (await ack({ response_type: 'ephemeral', text: reply }));
    }
    if (parsed.kind === 'modal') {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: diagnoseModal(command.channel_id) });
      return;
    }
    const team = workspaceKey(command.team_id, command.enterprise_id, command.is_enterprise_install);
    // Recorded before the ack (the commit takes milliseconds against Slack's 3 s): from the moment Slack shows the
    // command as taken, a crash cannot lose it. The trigger_id makes a retried delivery, on any instance, start nothing.
    let workId: string | undefined;
    if (d.flow.work) {
      if (d.flow.work.stopping) return void (await ack({ response_type: 'ephemeral', ...errorMessage(STOPPING, false) }));
      // A failure to record is answered in the ack by answer-store-failures.ts, as for every request.
      const rec = await d.flow.work.begin({
        kind: 'diagnose', dedupeKey: `trigger:${command.trigger_id}`, workspace: team, channel: command.channel_id, requester: command.user_id,
        payload: input ? workPayload(input) : { action: parsed.draft.action ?? null },
      });
      if (!rec.created) {
        await ack();
        return void d.log.info({ rid }, 'retried delivery ignored (already recorded)');
      }
      workId = rec.row.id;
      crashPoint('diagnose:after-commit');
    }
    const receivedAt = (context as { receivedAt?: number }).receivedAt;
    const sinceArrival = () => (receivedAt === undefined ? null : Math.round(performance.now() - receivedAt));
    let ackMs: number | null = null;
    if (!input) {
      // No endpoint given: the action's saved one comes from OpenCX, after the ack (the 3 s deadline holds).
      await ack({ response_type: 'ephemeral', text: `Looking up "${mrkdwnEscape(parsed.draft.action ?? '')}" in OpenCX…` });
      ackMs = sinceArrival();
      try {
        input = await prepareInput(parsed.draft, { opencx: facts, ownerConfirmed: false, net: d.flow.net });
      } catch (err) {
        const line = err instanceof OwnerConfirmationNeeded ? BURST_NEEDS_FORM : err instanceof Error ? err.message : String(err);
        await d.flow.work?.done(workId, 'refused');
        return void (await (respond as Respond)({ response_type: 'ephemeral', ...errorMessage(line) }));
      }
    } else {
      await ack({ response_type: 'ephemeral', text: `Diagnosing ${mrkdwnEscape(input.endpoint ? `${input.method} ${new URL(input.endpoint).host}` : `"${input.action ?? ''}"`)}… the card appears in this channel.` });
      ackMs = sinceArrival();
    }
    crashPoint('diagnose:after-ack');
    // During a burst of commands, everyone is acknowledged before any diagnosis starts (see QuietStart); the log line
    // too waits for the burst to end, since writing it while later commands wait for their acks delays those acks.
    await d.quietStart.wait();
    d.log.info({ rid, user: command.user_id, channel: command.channel_id, ackMs }, 'diagnosis requested');
    await startCardDiagnosis(d.flow, client, { input, channel: command.channel_id, team, user: command.user_id, respond: respond as Respond, workId });
  });
}
