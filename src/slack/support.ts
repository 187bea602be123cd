import type { App, webApi } from '@slack/bolt';
import * as z from 'zod';
import { requireHttps } from '../config/https-setting.js';
import { toReplay } from './replay-input.js';
import { teamOf, workspaceKey } from './workspace.js';
import type { Report } from '../pipeline/report.js';
import type { Store, OutboxMessage } from '../store/store.js';
import { asStoreError } from '../store/store-error.js';
import type { OutboxWorker } from '../outbox/worker.js';
import { escalatedLine, ticketBlocks, UrgencySchema, type Ticket, type TicketDraft } from '../render/ticket.js';
import { verdictCard } from '../render/blocks.js';
import { code, cut, mrkdwnEscape as esc, userRef } from '../render/slack-limits.js';
import { cardContext, type Card } from './card-store.js';
import type { ReportSink } from './diagnose-flow.js';
import type { Escalation } from './escalate.js';
import { isProblem, topEvidence, verdictLine, verdictWord } from '../pipeline/verdict.js';
import type { Logger } from '../log.js';
import { crashPoint } from '../core/crash-point.js';
import { redactDeep } from '../core/redact.js';

/**
 * Where tickets are posted: one channel ID for every workspace (`C0SUPPORT`), or per workspace when the app is installed
 * in several (`T0AAA=C0SUPA,T0BBB=C0SUPB`), optionally with a default for the others (`C0SUPPORT,T0AAA=C0SUPA`).
 */
const SupportChannelsSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const routes = { fallback: null as string | null, byTeam: {} as Record<string, string> };
    for (const part of (v ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^(?:([A-Z0-9]+)=)?([A-Z0-9]+)$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `SUPPORT_CHANNEL_ID: "${part}" is neither a channel ID (C0123…) nor TEAM=CHANNEL` });
        return z.NEVER;
      }
      if (m[1]) routes.byTeam[m[1]] = m[2]!;
      else routes.fallback = m[2]!;
    }
    return routes;
  });

/** The support channel for a workspace's tickets (a workspace key), or null when none is set for it. */
export function supportChannelFor(settings: SupportSettings, team: string | undefined): string | null {
  const id = teamOf(team);
  return (id ? settings.SUPPORT_CHANNEL_ID.byTeam[id] : undefined) ?? settings.SUPPORT_CHANNEL_ID.fallback;
}

export const SupportSettingsSchema = z.object({
  SUPPORT_CHANNEL_ID: SupportChannelsSchema,
  SUPPORT_WEBHOOK_URL: z.url().optional(),
  RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  /** Read only to know whether the lab switch is on (http:// webhook allowed for a local receiver). */
  ACTION_DEBUG_ALLOW_PRIVATE: z.string().optional(),
}).superRefine(requireHttps(['SUPPORT_WEBHOOK_URL']));
export type SupportSettings = z.infer<typeof SupportSettingsSchema>;

export const ESCALATE_CALLBACK = 'ad_escalate_modal';

/** Every report a card shows is stored (already redacted): the history and the ticket are built from these rows. */
export function storeSink(store: Store): ReportSink {
  return {
    async onReport(card, report, kind) {
      await store.saveDiagnosis({ id: report.id, cardId: card.id, createdAt: report.startedAt, requester: card.user, workspace: card.team, channel: card.channel, threadTs: card.ts, kind, report, input: toReplay(card.input) });
    },
  };
}

function escalationModal(card: Card, report: Report): webApi.ViewsOpenArguments['view'] {
  const v = report.verdict;
  const facts = [
    `*Action:* ${card.input.action ? code(card.input.action).text : '—'}   *Session:* ${code(card.input.session ?? '—').text}`,
    `*Endpoint:* ${report.input.endpoint ? `${card.input.method} ${code(report.input.endpoint).text}` : '(none known)'}`,
    `*Verdict:* ${verdictLine(v, esc)}`,
    `*Diagnoses on this card:* ${card.reports.length}`,
  ].join('\n');
  const text = (block_id: string, label: string, placeholder: string) => ({
    type: 'input' as const, block_id, label: { type: 'plain_text' as const, text: label },
    element: { type: 'plain_text_input' as const, action_id: 'v', multiline: true, placeholder: { type: 'plain_text' as const, text: placeholder } },
  });
  return {
    type: 'modal',
    callback_id: ESCALATE_CALLBACK,
    private_metadata: JSON.stringify({ cardId: card.id }),
    title: { type: 'plain_text', text: 'Escalate to support' },
    submit: { type: 'plain_text', text: 'Open ticket' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(`${facts}\nThe evidence and what was tried go into the ticket automatically (no header values).`, 3000) } },
      text('expected', 'What did you expect?', 'The AI should look up the order and tell the customer where it is'),
      text('impact', 'Customer impact', 'Every order question since Monday is handed off to a human'),
      {
        type: 'input', block_id: 'urgency', label: { type: 'plain_text', text: 'Urgency' },
        element: { type: 'static_select', action_id: 'v', initial_option: { text: { type: 'plain_text', text: 'normal' }, value: 'normal' }, options: UrgencySchema.options.map((u) => ({ text: { type: 'plain_text' as const, text: u }, value: u })) },
      },
    ],
  };
}

/** What support needs, from the card's reports: the latest verdict, the first failure, every re-run and follow-up. */
export function ticketDraft(card: Card, user: string, fields: { expected: string; impact: string; urgency: Ticket['urgency'] }, threadLink: string | null, followUps: Report[]): TicketDraft {
  const latest = card.reports.at(-1)!;
  const firstFailure = card.reports.find((r) => isProblem(r.verdict));
  const tried = distinctAttempts([
    ...card.reports.slice(1).map((r) => ({ what: 're-run', outcome: verdictWord(r.verdict), at: r.startedAt })),
    ...followUps.map((r) => ({ what: `follow-up ${r.probes.map((p) => p.title).join(', ')}`, outcome: verdictWord(r.verdict), at: r.startedAt })),
  ]);
  // What the requester typed (expected, impact, the action and session of the card) is scrubbed like the report: a
  // pasted token goes no further than the modal, not into the database, the support card or the webhook.
  return redactDeep({
    createdBy: user, diagnosisId: latest.id, action: card.input.action ?? null, session: card.input.session ?? null, endpoint: latest.input.endpoint ?? '(none known)', method: latest.input.method,
    family: latest.verdict.family, familyTitle: latest.verdict.familyTitle, cause: latest.verdict.cause, title: latest.verdict.title, fix: latest.verdict.fix,
    evidence: topEvidence(latest), alsoFound: latest.verdict.alsoFound, tried, firstFailureAt: firstFailure?.startedAt ?? null, threadLink, ...fields,
  });
}

/** "Tried" lists each distinct attempt once: the same check with the same outcome, clicked five times, is one line. */
export function distinctAttempts(attempts: { what: string; outcome: string; at: string }[]): string[] {
  const seen = new Map<string, { what: string; outcome: string; first: string; last: string; n: number }>();
  for (const a of attempts) {
    const key = `${a.what}|${a.outcome}`;
    const e = seen.get(key);
    if (e) {
      e.n++;
      e.last = a.at;
    } else seen.set(key, { what: a.what, outcome: a.outcome, first: a.at, last: a.at, n: 1 });
  }
  return [...seen.values()].map((e) => (e.n === 1 ? `${e.what} at ${e.first}: ${e.outcome}` : `${e.what} ×${e.n} (${e.first} … ${e.last}): ${e.outcome}`));
}

export interface Support {
  escalation: Escalation;
  sink: ReportSink;
  register(app: App, cards: (id: string) => Promise<Card | undefined>): void;
  /** "Mark resolved", on the action_id the button table (buttons.ts) gives it. */
  registerResolve(app: App, match: string | RegExp): void;
}

export function createSupport(store: Store, worker: OutboxWorker, settings: SupportSettings, log: Logger): Support {
  const announce = (card: Card, report: Report) => (t: Ticket): OutboxMessage[] => {
    const msgs: OutboxMessage[] = [];
    const supportChannel = supportChannelFor(settings, card.team);
    if (supportChannel) msgs.push({ kind: 'slack.post', dedupeKey: `ticket:${t.number}:support`, payload: { team: card.team, channel: supportChannel, ...ticketBlocks(t) } });
    if (card.ts) {
      const escalatedAs = escalatedLine(t);
      msgs.push({ kind: 'slack.update', dedupeKey: `ticket:${t.number}:card`, payload: { team: card.team, channel: card.channel, ts: card.ts, ...verdictCard(cardContext(card), report, { escalatedAs }) } });
      const where = supportChannel || settings.SUPPORT_WEBHOOK_URL
        ? 'Support has the session ID, the action, the verdict, the evidence and what was tried; I\'ll say here when it is resolved.'
        : `No support channel is set for this workspace (SUPPORT_CHANNEL_ID): the ticket is stored; \`action-debug ticket ${t.number} --markdown\` prints it for a support form or an email.`;
      msgs.push({ kind: 'slack.post', dedupeKey: `ticket:${t.number}:thread`, payload: { team: card.team, channel: card.channel, thread_ts: card.ts, text: `${escalatedAs}. ${where}` } });
    }
    if (settings.SUPPORT_WEBHOOK_URL) msgs.push({ kind: 'webhook', dedupeKey: `ticket:${t.number}:webhook`, payload: { url: settings.SUPPORT_WEBHOOK_URL, body: t } });
    return msgs;
  };

  const escalation: Escalation = {
    async open(client, card, triggerId, user) {
      const report = card.reports.at(-1);
      if (!report) return 'The diagnosis has not finished yet: escalate when the card shows the verdict.';
      // views.open first: the trigger_id expires 3 s after the click.
      if (card.escalatedAs) return `${card.escalatedAs.replace(/^:ticket: /, '')}. Support already has it.`;
      await client.views.open({ trigger_id: triggerId, view: escalationModal(card, report) });
      log.info({ card: card.id, user }, 'escalation form opened');
      return null;
    },
  };

  return {
    escalation,
    sink: storeSink(store),
    register(app, cards) {
      app.view(ESCALATE_CALLBACK, async ({ ack, view, body, client }) => {
        const user = body.user.id;
        const { cardId } = JSON.parse(view.private_metadata) as { cardId: string };
        const card = await cards(cardId);
        const values = view.state.values as Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;
        // chat.postEphemeral needs a conversation (a user ID is not one): with no channel, the app's DM says it.
        const tell = (channel: string, text: string) => (/^[UW]/.test(channel) ? client.chat.postMessage({ channel, text }) : client.chat.postEphemeral({ channel, user, text })).catch(() => {});
        if (!card?.reports.length) return void (await ack(), await tell(body.user.id, 'This card is from before a restart: run /action-debug again, then escalate.'));
        // Everything below happens before the ack: the form closes (the requester believes the ticket is filed) only once
        // the ticket and its messages are committed. The permalink call is bounded so the 3 s deadline holds.
        const permalink = card.ts
          ? await Promise.race([
            client.chat.getPermalink({ channel: card.channel, message_ts: card.ts }).then((r) => r.permalink ?? null, () => null),
            new Promise<null>((r) => setTimeout(() => r(null), 800).unref()),
          ])
          : null;
        const followUps = (await store.cardDiagnoses(card.id)).filter((d) => d.kind === 'follow-up').map((d) => d.report);
        const draft = ticketDraft(card, user, {
          expected: values['expected']?.['v']?.value ?? '',
          impact: values['impact']?.['v']?.value ?? '',
          urgency: UrgencySchema.catch('normal').parse(values['urgency']?.['v']?.selected_option?.value),
        }, permalink, followUps);
        let result: { ticket: Ticket; created: boolean };
        try {
          result = await store.createTicket(`card:${card.id}`, draft, announce(card, card.reports.at(-1)!));
        } catch (thrown) {
          const err = asStoreError(thrown);
          if (!err) throw thrown;
          log.error({ card: card.id, err: err.message }, 'ticket not saved');
          // Not committed: the form stays open and says why, so the requester knows nothing was filed.
          return void (await ack({ response_action: 'errors', errors: { expected: `${err.message} Please try again later.` } }));
        }
        crashPoint('escalate:after-commit');
        await ack();
        crashPoint('escalate:after-ack');
        const { ticket, created } = result;
        log.info({ ticket: ticket.number, card: card.id, diagnosis: ticket.diagnosisId, created }, created ? 'ticket created' : 'ticket already existed');
        card.escalatedAs ??= escalatedLine(ticket);
        if (!created) await tell(card.channel, `This card was already escalated as ticket #${ticket.number}.`);
        await worker.kick();
      });
    },
    registerResolve(app, match) {
      app.action(match, async ({ ack, action, body, client }) => {
        const number = Number((action as { value?: string }).value);
        const container = (body as { container?: { channel_id?: string; message_ts?: string } }).container;
        // Committed before the ack, like a ticket.
        const result = await store.resolveTicket(number, body.user.id, async (t) => {
          const d = await store.diagnosis(t.diagnosisId);
          const msgs: OutboxMessage[] = [];
          if (container?.channel_id && container.message_ts) msgs.push({ kind: 'slack.update', dedupeKey: `ticket:${t.number}:resolved-card`, payload: { team: workspaceKey(body.team?.id, body.enterprise?.id, body.is_enterprise_install), channel: container.channel_id, ts: container.message_ts, ...ticketBlocks(t) } });
          if (d?.channel && d.threadTs) msgs.push({ kind: 'slack.post', dedupeKey: `ticket:${t.number}:resolved-thread`, payload: { team: d.workspace, channel: d.channel, thread_ts: d.threadTs, text: `:white_check_mark: Ticket #${t.number} was marked resolved by ${userRef(body.user.id).text}. Re-run the diagnosis to confirm.` } });
          return msgs;
        });
        crashPoint('resolve:after-commit');
        await ack();
        const noTicket = `There is no ticket #${number}.`;
        // Without the clicked message's channel, the app's DM (chat.postEphemeral takes a conversation, not a user ID).
        if (!result) return void (await (container?.channel_id ? client.chat.postEphemeral({ channel: container.channel_id, user: body.user.id, text: noTicket }) : client.chat.postMessage({ channel: body.user.id, text: noTicket })).catch(() => {}));
        await worker.kick();
      });
    },
  };
}

/** `/action-debug history <action>`: the last diagnoses, when the verdict changed. */
export async function historyText(store: Store, action: string, workspace: string): Promise<string> {
  // Only the asking workspace's diagnoses: with OAuth installs, one database serves several workspaces.
  const rows = await store.history(action, 10, teamOf(workspace) ?? workspace);
  if (!rows.length) return `No diagnoses of ${code(action).text} yet.`;
  const lines = rows.map((r) => {
    const mark = r.change === 'fixed' ? ' ← fixed since' : r.change === 'broken' ? ' ← broken since' : r.change === 'changed' ? ' ← cause changed' : '';
    return `• ${r.at.replace('T', ' ').slice(0, 16)} ${userRef(r.requester).text}: ${isProblem(r) ? `family ${r.family}, \`${r.cause}\`` : verdictWord(r)}${mark}`;
  });
  return `*Last diagnoses of* ${code(action).text} (newest first)\n${lines.join('\n')}`;
}
