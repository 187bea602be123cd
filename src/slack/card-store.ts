import { diagnosisTarget, type DiagnosisInput } from '../pipeline/input.js';
import type { Report } from '../pipeline/report.js';
import type { CardContext } from '../render/blocks.js';

/**
 * A card: one diagnosis message in a channel, its thread, and every report it showed. The input keeps its Secret
 * header values in memory only, so Re-run can send them again; nothing here is ever written to disk or printed.
 */
export interface Card {
  id: string;
  channel: string;
  /** The card message; its thread holds details and follow-ups. null when it could only be posted via response_url. */
  ts: string | null;
  team: string;
  user: string;
  input: DiagnosisInput;
  reports: Report[];
  escalatedAs?: string;
  running: boolean;
  /** Revived after a restart: the headers it had, whose values were never stored (a re-run needs them typed again). */
  missingHeaders?: string[];
}

export interface CardStore {
  put(card: Card): void;
  get(id: string): Promise<Card | undefined>;
  byMessage(channel: string, ts: string): Promise<Card | undefined>;
  /** The card a user is still running for this endpoint, if any. */
  running(user: string, endpoint: string): Card | undefined;
}

export class MemoryCardStore implements CardStore {
  readonly #cards = new Map<string, Card>();
  put(card: Card): void {
    this.#cards.set(card.id, card);
  }
  async get(id: string): Promise<Card | undefined> {
    return this.#cards.get(id);
  }
  async byMessage(channel: string, ts: string): Promise<Card | undefined> {
    for (const c of this.#cards.values()) if (c.channel === channel && c.ts === ts) return c;
    return undefined;
  }
  running(user: string, endpoint: string): Card | undefined {
    for (const c of this.#cards.values()) if (c.running && c.user === user && diagnosisTarget(c.input) === endpoint) return c;
    return undefined;
  }
}

export function cardContext(card: Card): CardContext {
  return {
    cardId: card.id,
    action: card.input.action ?? null,
    session: card.input.session ?? null,
    endpoint: card.reports.at(-1)?.input.endpoint ?? card.input.endpoint ?? null,
    method: card.input.method,
    requestedBy: card.user,
  };
}
