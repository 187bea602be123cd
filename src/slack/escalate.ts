import type { webApi } from '@slack/bolt';
import type { Card } from './card-store.js';

/**
 * What the Escalate button does. Until support escalation is configured (tickets, support channel), the button exists
 * and says so; the ticket flow plugs in by providing an Escalation.
 */
export interface Escalation {
  /** Must call views.open before any slow work: the trigger_id lives 3 s. Returns a message for the user instead, or null. */
  open(client: webApi.WebClient, card: Card, triggerId: string, user: string): Promise<string | null>;
}

export const NOT_CONFIGURED =
  'Escalation to support is not configured yet. Meanwhile, send support the session ID, the action name and the verdict on this card.';
