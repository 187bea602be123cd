import type { AnyMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import * as z from 'zod';
import { errorMessage } from '../render/blocks.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { CardStore } from './card-store.js';
import { Gate, type Requester, type Verdict } from './gate.js';
import { classifyButton } from './buttons.js';
import { MODAL_CALLBACK, modalChannel } from './modal.js';
import { ESCALATE_CALLBACK } from './support.js';
import { workspaceKey } from './workspace.js';

/** The parts of each delivery the gate reads; anything else Slack sends is left alone. Wrong types fail here, not later. */
const Id = z.string().min(1).max(64);
const Team = z.object({ id: Id }).passthrough();
// Not passthrough: the gate reads these fields and hands Bolt's body on untouched, so copying the other dozen fields of
// every command was work before each ack for nothing.
const CommandBody = z.object({ command: z.string(), user_id: Id, channel_id: Id, team_id: Id, enterprise_id: z.string().optional(), is_enterprise_install: z.union([z.string(), z.boolean()]).optional() });
const ActionBody = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: Id }).passthrough(),
  team: Team.nullish(),
  enterprise: z.object({ id: z.string() }).passthrough().nullish(),
  is_enterprise_install: z.boolean().optional(),
  channel: z.object({ id: Id }).passthrough().optional(),
  container: z.object({ channel_id: Id.optional() }).passthrough().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(300).optional() }).passthrough()).min(1),
}).passthrough();
const ViewBody = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: Id, team_id: z.string().optional() }).passthrough(),
  team: Team.nullish(),
  enterprise: z.object({ id: z.string() }).passthrough().nullish(),
  is_enterprise_install: z.boolean().optional(),
  view: z.object({ callback_id: z.string(), private_metadata: z.string().max(3000).default(''), state: z.object({ values: z.record(z.string(), z.unknown()) }).passthrough().optional() }).passthrough(),
}).passthrough();
const EventBody = z.object({
  type: z.literal('event_callback'),
  team_id: Id,
  enterprise_id: z.string().nullish(),
  authorizations: z.array(z.object({ is_enterprise_install: z.boolean().optional() }).passthrough()).optional(),
  event: z.object({ type: z.string(), subtype: z.string().optional(), user: Id.optional(), channel: Id.optional(), thread_ts: z.string().optional() }).passthrough(),
}).passthrough();

export interface GateDeps {
  gate: Gate;
  cards: CardStore;
  store?: Store | undefined;
  log: Logger;
}

/**
 * Bolt global middleware: every delivery passes the gate before any listener runs. A refusal is answered where the
 * requester sees it (the ack, an ephemeral message, the form's field error) and nothing else happens.
 */
export function gateMiddleware(d: GateDeps) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { body, next } = args;
    const ack = (args as { ack?: (r?: unknown) => Promise<void> }).ack;
    const respond = (args as { respond?: (r: unknown) => Promise<unknown> }).respond;
    const refuse = async (r: Requester | null, v: Verdict & { ok: false }, how: 'ack' | 'respond' | 'view' | 'ephemeral' | 'silent', extra: { threadTs?: string; block?: string } = {}) => {
      d.log.warn({ user: r?.user, channel: r?.channel, team: r?.team, why: v.message }, 'refused by the gate');
      if (how === 'ack') return void (await ack?.({ response_type: 'ephemeral', ...errorMessage(v.message, false) }));
      if (how === 'view') return void (await ack?.({ response_action: 'errors', errors: { [extra.block ?? 'endpoint']: v.message } }));
      await ack?.();
      if (how === 'respond') await respond?.({ response_type: 'ephemeral', replace_original: false, text: v.message }).catch(() => {});
      if (how === 'ephemeral' && r) await args.client.chat.postEphemeral({ channel: r.channel, user: r.user, text: v.message, ...(extra.threadTs ? { thread_ts: extra.threadTs } : {}) }).catch(() => {});
    };
    const malformed = async (what: string) => {
      d.log.warn({ what }, 'malformed delivery ignored');
      await ack?.();
    };

    const b = body as { command?: unknown; type?: unknown };
    if (b.command !== undefined) {
      const c = CommandBody.safeParse(body);
      if (!c.success) return malformed('slash command');
      const r = { user: c.data.user_id, channel: c.data.channel_id, team: workspaceKey(c.data.team_id, c.data.enterprise_id, c.data.is_enterprise_install) };
      const v = d.gate.who(r);
      if (!v.ok) return refuse(r, v, 'ack');
      return next();
    }

    if (b.type === 'block_actions') {
      const a = ActionBody.safeParse(body);
      const channel = a.success ? (a.data.channel?.id ?? a.data.container?.channel_id) : undefined;
      if (!a.success || !channel) return malformed('button');
      const r = { user: a.data.user.id, channel, team: workspaceKey(a.data.team?.id ?? undefined, a.data.enterprise?.id, a.data.is_enterprise_install) };
      const action = a.data.actions[0]!;
      const value = action.value ?? '';
      const notOurs = (): Promise<void> => refuse(r, { ok: false, message: 'This button is not one I posted.' }, 'respond');
      // Every click is classified by the one button table the listeners are registered from: an id no row knows (a
      // forged one, or a button someone rendered without adding its row) is refused here and reaches no listener.
      const button = classifyButton(action.action_id);
      if (!button) return notOurs();
      switch (button.class) {
        case 'ticket': {
          let v = d.gate.resolve(r, null);
          if (!v.ok) return refuse(r, v, 'respond');
          const number = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
          const ticket = Number.isFinite(number) && d.store ? await d.store.ticket(number) : null;
          const workspace = ticket && d.store ? ((await d.store.diagnosis(ticket.diagnosisId))?.workspace ?? null) : null;
          // A ticket whose diagnosis is gone (or whose workspace was never recorded) is not resolvable from another team.
          if (ticket) v = d.gate.resolve(r, workspace ?? '');
          if (!v.ok) return refuse(r, v, 'respond');
          return next();
        }
        case 'audit': {
          // An audit line's card is opened where the audit was posted (openAuditedCard checks the stored channel and
          // workspace); "Audit again" audits the clicker's own workspace, in this channel, against that workspace's budget.
          const v = d.gate.who(r);
          return v.ok ? next() : refuse(r, v, 'respond');
        }
        case 'card':
        case 'follow-up': {
          const isFollowUp = button.class === 'follow-up';
          const [cardId = '', probeId, ...more] = value.split('|');
          // The value is only a key: a card button carries exactly a card ID, a follow-up exactly "card|check".
          if (more.length || (isFollowUp ? probeId === undefined : probeId !== undefined)) return notOurs();
          const card = await d.cards.get(cardId);
          // A card not found is the listener's to explain (from before a restart, without a database); the allow-lists still apply.
          if (!card) {
            const v = d.gate.who(r);
            return v.ok ? next() : refuse(r, v, 'respond');
          }
          let v = d.gate.onCard(r, card);
          if (v.ok && isFollowUp) v = d.gate.followUp(card, button.check ?? '', probeId!);
          if (!v.ok) return refuse(r, v, 'respond');
          return next();
        }
      }
    }

    if (b.type === 'view_submission') {
      const s = ViewBody.safeParse(body);
      if (!s.success) return malformed('form');
      const team = workspaceKey(s.data.team?.id ?? s.data.user.team_id, s.data.enterprise?.id, s.data.is_enterprise_install);
      const block = Object.keys(s.data.view.state?.values ?? {})[0];
      if (s.data.view.callback_id === MODAL_CALLBACK) {
        const channel = modalChannel(s.data.view.private_metadata) ?? s.data.user.id;
        const r = { user: s.data.user.id, channel, team };
        const v = d.gate.who(r);
        return v.ok ? next() : refuse(r, v, 'view', block ? { block } : {});
      }
      if (s.data.view.callback_id === ESCALATE_CALLBACK) {
        const cardId = z.object({ cardId: z.string() }).safeParse(safeJson(s.data.view.private_metadata));
        const card = cardId.success ? await d.cards.get(cardId.data.cardId) : undefined;
        if (!card) return next();
        // The form was opened from the card's own channel; its submission carries no channel, so the card's is checked.
        const r = { user: s.data.user.id, channel: card.channel, team };
        const v = d.gate.onCard(r, card);
        return v.ok ? next() : refuse(r, v, 'view', block ? { block } : {});
      }
      return next();
    }

    if (b.type === 'event_callback') {
      const e = EventBody.safeParse(body);
      if (!e.success) return malformed('event');
      const ev = e.data.event;
      const entersTheBot = ev.type === 'app_mention' || (ev.type === 'message' && ev.subtype === 'file_share');
      if (!entersTheBot) return next();
      if (!ev.user || !ev.channel) return malformed(ev.type);
      const r = { user: ev.user, channel: ev.channel, team: workspaceKey(e.data.team_id, e.data.enterprise_id, e.data.authorizations?.[0]?.is_enterprise_install) };
      const card = ev.thread_ts ? await d.cards.byMessage(ev.channel, ev.thread_ts) : undefined;
      // A file shared outside any card is none of our business: no answer, as before.
      if (!card && ev.type === 'message') return next();
      const v = d.gate.mention(r, card);
      if (!v.ok) return refuse(r, v, 'ephemeral', ev.thread_ts ? { threadTs: ev.thread_ts } : {});
      return next();
    }
    return next();
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
