import { ACTIONS } from '../render/blocks.js';
import { AUDIT_ACTIONS } from '../render/audit-blocks.js';
import { TICKET_ACTIONS } from '../render/ticket.js';

/**
 * What the gate checks before a click reaches its listener:
 * - `card`: the value is exactly a card id; the clicker acts on that card (its workspace and channel, the allow-lists);
 * - `follow-up`: the value is exactly "card|check", the check named by the action_id too, and offered by the card's verdict;
 * - `audit`: the allow-lists here (the audit result's own channel and workspace are checked by openAuditedCard);
 * - `ticket`: support people only, in the ticket's workspace.
 */
export type ButtonClass = 'card' | 'follow-up' | 'audit' | 'ticket';

interface ButtonRoute {
  /** The action_id as rendered: an exact string, or a pattern whose first group (if any) is part of the button's key. */
  readonly match: string | RegExp;
  readonly class: ButtonClass;
}

/**
 * Every button the bot renders, ONE table read by both the gate (gate-middleware.ts classifies each click with it) and
 * the listener registration (listeners/index.ts registers exactly one listener per row, typed as a Record over these
 * names, so a row without its listener does not compile). A click whose action_id matches no row is refused by the gate
 * and never reaches a listener: a button rendered but forgotten here does nothing rather than slipping past the gate.
 * test/security/every-button.test.ts collects the action_ids our renderers really post and checks each matches a row.
 */
export const BUTTONS = {
  rerun: { match: ACTIONS.rerun, class: 'card' },
  rerunLater: { match: ACTIONS.rerunLater, class: 'card' },
  details: { match: ACTIONS.details, class: 'card' },
  escalate: { match: ACTIONS.escalate, class: 'card' },
  // `ad_follow_up:<check>` (blocks.ts followUpActionId): one id per check, as Slack refuses repeated ids in a message.
  // The bare `ad_follow_up` is not rendered by anything, so it is not a button.
  followUp: { match: new RegExp(`^${ACTIONS.followUp}:([\\w-]{1,60})$`), class: 'follow-up' },
  auditOpen: { match: AUDIT_ACTIONS.open, class: 'audit' },
  auditAgain: { match: AUDIT_ACTIONS.again, class: 'audit' },
  ticketResolve: { match: TICKET_ACTIONS.resolve, class: 'ticket' },
} as const satisfies Record<string, ButtonRoute>;

export type ButtonName = keyof typeof BUTTONS;

export interface ClassifiedButton {
  name: ButtonName;
  class: ButtonClass;
  /** A follow-up's check, from the action_id itself. */
  check?: string;
}

/** Which row of the table an action_id is, or undefined (then it is not one of our buttons and is refused). */
export function classifyButton(actionId: string): ClassifiedButton | undefined {
  for (const [name, r] of Object.entries(BUTTONS) as [ButtonName, ButtonRoute][]) {
    if (typeof r.match === 'string') {
      if (r.match === actionId) return { name, class: r.class };
      continue;
    }
    const m = r.match.exec(actionId);
    if (m) return { name, class: r.class, ...(m[1] !== undefined ? { check: m[1] } : {}) };
  }
  return undefined;
}
