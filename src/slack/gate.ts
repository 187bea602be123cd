import { followUpsFor } from '../render/blocks.js';
import type { Card } from './card-store.js';
import type { SlackSettings } from './settings.js';
import { teamOf } from './workspace.js';

/** Who is asking, and from where: the user, the channel the request came from, and the workspace key (T… or E…/T…). */
export interface Requester {
  user: string;
  channel: string;
  team: string;
}

export type Verdict = { ok: true } | { ok: false; message: string };

const OK: Verdict = { ok: true };
const no = (message: string): Verdict => ({ ok: false, message });

export const REFUSALS = {
  team: 'Sorry, action-debug is not enabled for this workspace (ALLOWED_TEAM_IDS). Ask the operator of this action-debug to add it.',
  user: 'Sorry, action-debug is limited to a few people in this workspace. Ask your Slack admin to add you.',
  channel: 'Sorry, action-debug is not enabled in this channel. Try it in one of the channels your admin allowed.',
  elsewhere: 'This card belongs to another channel or workspace: act on it where it was posted.',
  followUp: 'That check is not offered on this card.',
  support: 'Only the support team (SUPPORT_USER_IDS) may mark tickets resolved.',
  ticket: 'This ticket belongs to another workspace.',
} as const;

/**
 * The one authorisation and limit gate. Every entry point (slash command, form, every button, mentions and shared files,
 * follow-ups, scheduled re-runs, resumed work, watch runs) asks it before acting, so the rules below are written once:
 * - only allowed workspaces (ALLOWED_TEAM_IDS), allowed users (ALLOWED_USER_IDS) in allowed channels
 *   (ALLOWED_CHANNEL_IDS) use the bot;
 * - work that runs later (a due Re-run later, work a restart left, every watch run) asks `stillAllowed` when it runs;
 * - a card is acted on only from its own workspace and channel, by any allowed user there;
 * - a button's value is only a key: what it may do is read from the stored card (a follow-up must be one its verdict offers);
 * - every diagnosis, re-run and follow-up counts against the quota of the person who asked, and of the workspace
 *   (DiagnosisLimits, taken by diagnose-flow with the requester each entry point passes, scheduled re-runs included);
 * - only SUPPORT_USER_IDS resolve tickets, and only their own workspace's.
 */
export class Gate {
  constructor(private readonly settings: Pick<SlackSettings, 'ALLOWED_TEAM_IDS' | 'ALLOWED_USER_IDS' | 'ALLOWED_CHANNEL_IDS' | 'SUPPORT_USER_IDS'>) {}

  /** The allow-lists: the workspace first (another workspace's user and channel IDs mean nothing here), then user and channel. */
  who(r: Requester): Verdict {
    const s = this.settings;
    if (!this.#teamAllowed(r.team)) return no(REFUSALS.team);
    if (s.ALLOWED_USER_IDS.length && !s.ALLOWED_USER_IDS.includes(r.user)) return no(REFUSALS.user);
    if (s.ALLOWED_CHANNEL_IDS.length && !s.ALLOWED_CHANNEL_IDS.includes(r.channel)) return no(REFUSALS.channel);
    return OK;
  }

  /**
   * Work that runs after the request that asked for it (a due Re-run later, work a restart left, each watch run): whoever
   * asked, where, in which workspace, asked again when it runs, since an admin may have changed the allow-lists meanwhile.
   * The one function every deferred run goes through (app.ts hands it to the WorkTracker, RerunSchedule and WatchService).
   */
  stillAllowed(r: Requester): Verdict {
    return this.who(r);
  }

  #teamAllowed(team: string): boolean {
    return teamAllowed(this.settings.ALLOWED_TEAM_IDS, team);
  }

  /** May this requester act on this card (re-run, follow up, escalate, see details)? */
  onCard(r: Requester, card: Card): Verdict {
    if (!sameWorkspace(card.team, r.team) || card.channel !== r.channel) return no(REFUSALS.elsewhere);
    return this.who({ ...r, channel: card.channel });
  }

  /** A mention: in a card's thread, as acting on that card; elsewhere (it only gets the help text), the allow-lists. */
  mention(r: Requester, card: Card | undefined): Verdict {
    return card ? this.onCard(r, card) : this.who(r);
  }

  /**
   * A follow-up button's check must be one the card's latest verdict offers (the value itself is never trusted), and the
   * same check the button's action_id names (`ad_follow_up:<check>`): a click that says two different things is not ours.
   */
  followUp(card: Card, fromActionId: string, fromValue: string): Verdict {
    if (fromActionId !== fromValue) return no(REFUSALS.followUp);
    const latest = card.reports.at(-1);
    return latest && followUpsFor(latest).some((f) => f.id === fromValue) ? OK : no(REFUSALS.followUp);
  }

  /** Resolving a ticket: support people only, in the ticket's own workspace. */
  resolve(r: Requester, ticketWorkspace: string | null): Verdict {
    if (!this.#teamAllowed(r.team)) return no(REFUSALS.team);
    if (!this.settings.SUPPORT_USER_IDS.includes(r.user)) return no(REFUSALS.support);
    if (ticketWorkspace !== null && !sameWorkspace(ticketWorkspace, r.team)) return no(REFUSALS.ticket);
    return OK;
  }
}

/**
 * ALLOWED_TEAM_IDS (empty: any). An org-wide install keys E…/T…: either the team or the whole org may be listed. Also
 * asked when a workspace installs the app (app.ts), so a workspace not listed never has its token stored.
 */
export function teamAllowed(allowed: readonly string[], team: string): boolean {
  if (!allowed.length) return true;
  const t = teamOf(team);
  const org = team.includes('/') ? team.split('/')[0] : undefined;
  return (t !== undefined && allowed.includes(t)) || (org !== undefined && org !== '' && allowed.includes(org));
}

/** Workspace keys compare by team: an org-wide install keys cards E…/T…, while a request names its team T…. */
export function sameWorkspace(a: string, b: string): boolean {
  const ta = teamOf(a);
  return ta !== undefined && ta === teamOf(b);
}
