import { MemoryCardStore, type Card, type CardStore } from './card-store.js';
import { fromReplay } from './replay-input.js';
import type { Store } from '../store/store.js';
import { escalatedLine } from '../render/ticket.js';

/**
 * Cards in memory, revived from the stored diagnoses after a restart, so buttons on yesterday's card still work:
 * Escalate and Show details fully; Re-run too, unless the card carried header values, which are never stored.
 */
export class StoredCardStore implements CardStore {
  readonly #memory = new MemoryCardStore();

  constructor(private readonly store: Store) {}

  put(card: Card): void {
    this.#memory.put(card);
  }

  get(id: string): Card | undefined {
    return this.#memory.get(id) ?? this.#revive(id);
  }

  byMessage(channel: string, ts: string): Card | undefined {
    const known = this.#memory.byMessage(channel, ts);
    if (known) return known;
    const id = this.store.cardIdAt(channel, ts);
    return id ? this.#revive(id) : undefined;
  }

  running(user: string, endpoint: string): Card | undefined {
    return this.#memory.running(user, endpoint);
  }

  #revive(id: string): Card | undefined {
    const rows = this.store.cardDiagnoses(id).filter((r) => r.kind !== 'follow-up');
    const last = rows.at(-1);
    const replay = [...rows].reverse().map((r) => fromReplay(r.input)).find(Boolean);
    if (!last || !replay || !last.channel) return undefined;
    const ticket = this.store.ticketForKey(`card:${id}`);
    const card: Card = {
      id,
      channel: last.channel,
      ts: last.threadTs,
      team: last.workspace ?? '',
      user: last.requester,
      input: replay.input,
      reports: rows.map((r) => r.report),
      running: false,
      ...(replay.missingHeaders.length ? { missingHeaders: replay.missingHeaders } : {}),
      ...(ticket ? { escalatedAs: escalatedLine(ticket) } : {}),
    };
    this.#memory.put(card);
    return card;
  }
}
