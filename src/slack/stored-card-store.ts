import { MemoryCardStore, type Card, type CardStore } from './card-store.js';
import { fromReplay } from './replay-input.js';
import type { Store } from '../store/store.js';
import { escalatedLine } from '../render/ticket.js';

/**
 * Cards in memory, revived from the database after a restart (or when the card was started on another instance), so
 * buttons on yesterday's card still work: Escalate and Show details fully; Re-run too, unless the card carried header
 * values, which are never stored. A card with no stored diagnosis yet (interrupted by a restart) is revived from its
 * work row.
 */
export class StoredCardStore implements CardStore {
  readonly #memory = new MemoryCardStore();

  constructor(private readonly store: Store) {}

  put(card: Card): void {
    this.#memory.put(card);
  }

  async get(id: string): Promise<Card | undefined> {
    return (await this.#memory.get(id)) ?? this.#revive(id);
  }

  async byMessage(channel: string, ts: string): Promise<Card | undefined> {
    const known = await this.#memory.byMessage(channel, ts);
    if (known) return known;
    const id = await this.store.cardIdAt(channel, ts);
    return id ? this.#revive(id) : undefined;
  }

  running(user: string, endpoint: string): Card | undefined {
    return this.#memory.running(user, endpoint);
  }

  async #revive(id: string): Promise<Card | undefined> {
    const rows = (await this.store.cardDiagnoses(id)).filter((r) => r.kind !== 'follow-up');
    const last = rows.at(-1);
    const work = await this.store.workForCard(id);
    const stored = [...rows].reverse().map((r) => r.input);
    if (work) stored.push((work.payload as { input?: unknown } | null)?.input);
    const replay = stored.map((i) => fromReplay(i)).find(Boolean);
    const channel = last?.channel ?? work?.channel;
    if (!replay || !channel) return undefined;
    const ticket = await this.store.ticketForKey(`card:${id}`);
    const card: Card = {
      id,
      channel,
      ts: last?.threadTs ?? work?.cardTs ?? null,
      team: last?.workspace ?? work?.workspace ?? '',
      user: last?.requester ?? work?.requester ?? '',
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
