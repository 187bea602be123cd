import type { ProbeContext, ProbeServices } from '../pipeline/probe.js';
import type { DiagnosisInput } from '../pipeline/input.js';
import type { OpenCxClient } from './client.js';
import type { Action, ActionList, ChatSession, HandoffEvent, HandoffReason, HistoryPage } from './schemas.js';

const TTL_MS = 10_000;
const MAX_HISTORY_PAGES = 3;
/** Handoff events come newest first, a page at a time: a busy organisation may need several pages to reach one session. */
const MAX_HANDOFF_PAGES = 20;
/** A handoff happens during the session: from a little before it started to a day after its last update. */
const WINDOW_BEFORE_MS = 60 * 60_000;
const WINDOW_AFTER_MS = 24 * 60 * 60_000;

/** The handoffs of one session, and how they were looked for (shown as facts, so "none" can be judged). */
export interface SessionHandoffs {
  events: HandoffEvent[];
  /** The window asked for, or null when the session's dates were unknown (OpenCX's default: the last 30 days). */
  window: { start: string; end: string } | null;
  pages: number;
  /** true when the page limit stopped the search before OpenCX said there was no more. */
  truncated: boolean;
}

/** The date window around a session in which its handoff events were created. */
export function handoffWindow(session: Pick<ChatSession, 'created_at' | 'updated_at'> | null, now = Date.now()): { start: string; end: string } | null {
  const from = Date.parse(session?.created_at ?? '');
  if (!Number.isFinite(from)) return null;
  const last = Date.parse(session?.updated_at ?? '');
  const to = Math.min(now, Math.max(from, Number.isFinite(last) ? last : from) + WINDOW_AFTER_MS);
  return { start: new Date(from - WINDOW_BEFORE_MS).toISOString(), end: new Date(Math.max(to, from)).toISOString() };
}

/**
 * What the OpenCX probes read, each fetched once however many probes need it (and kept 10 s, so a re-run reads
 * fresh facts while one diagnosis never asks twice).
 */
export class OpenCxFacts {
  readonly #memo = new Map<string, { at: number; value: Promise<unknown> }>();
  constructor(readonly client: OpenCxClient) {}

  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#memo.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.#memo.set(key, { at: Date.now(), value });
    // A failure is kept for the TTL too: within one diagnosis every probe gets the same answer, and a down OpenCX is
    // asked once, not once per probe (each with its own retries).
    value.catch(() => {});
    return value;
  }

  /** The action list with the records that did not match the documented shape. */
  actionList(): Promise<ActionList> {
    return this.#once('actions', () => this.client.actionList());
  }
  async actions(): Promise<Action[]> {
    return (await this.actionList()).actions;
  }
  session(id: string): Promise<ChatSession> {
    return this.#once(`session:${id}`, () => this.client.session(id));
  }
  async history(id: string): Promise<HistoryPage['items']> {
    return this.#once(`history:${id}`, async () => {
      const items: HistoryPage['items'] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const p = await this.client.history(id, cursor);
        items.push(...p.items);
        if (!p.next) break;
        cursor = p.next;
      }
      return items;
    });
  }
  contactSegments(contactId: string) {
    return this.#once(`segments:${contactId}`, async () => (await this.client.contactSegments(contactId)).data);
  }
  /**
   * The session's handoff events with this reason: asked for in a window around the session's dates (OpenCX's default
   * window is the last 30 days, which misses older sessions) and paged until the session shows up or the pages end.
   * Events are one per handoff, so once the session's events are on a page and the next page has none, we stop.
   */
  handoffsFor(sessionId: string, reason: HandoffReason, session: Pick<ChatSession, 'created_at' | 'updated_at'> | null): Promise<SessionHandoffs> {
    const window = handoffWindow(session);
    return this.#once(`handoffs:${reason}:${sessionId}:${window?.start ?? ''}`, async () => {
      const events: HandoffEvent[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await this.client.handoffEvents({ reason, ...(window ?? {}), ...(cursor ? { cursor } : {}) });
        pages++;
        const mine = page.items.filter((e) => e.session_id === sessionId);
        events.push(...mine);
        if (!page.next) return { events, window, pages, truncated: false };
        if (events.length && !mine.length) return { events, window, pages, truncated: false };
        if (pages >= MAX_HANDOFF_PAGES) return { events, window, pages, truncated: true };
        cursor = page.next;
      }
    });
  }
}

export interface OpenCxServices extends ProbeServices {
  opencx?: OpenCxFacts;
}

export function opencxOf(ctx: Pick<ProbeContext<DiagnosisInput>, 'services'>): OpenCxFacts {
  const f = (ctx.services as OpenCxServices).opencx;
  if (!f) throw new Error('not checked (no OpenCX key)');
  return f;
}

export const NO_KEY = 'not checked (no OpenCX key: set OPENCX_API_KEY)';

/** The skip rule every OpenCX probe shares: a key, and the inputs it names. */
export function needs(...what: ('action' | 'session')[]) {
  return (input: { action?: string | undefined; session?: string | undefined }, services: ProbeServices): string | null => {
    if (!(services as OpenCxServices).opencx) return NO_KEY;
    for (const w of what) if (!input[w]) return w === 'action' ? 'no action name given' : 'no session ID given';
    return null;
  };
}

/** Finds the action by name the way a person would type it (case and spacing ignored). */
export function findAction(actions: Action[], name: string): Action | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  return actions.find((a) => norm(a.name) === norm(name));
}

const STOP = new Set(['the', 'and', 'for', 'with', 'from', 'this', 'that', 'into', 'your', 'their', 'its', 'use', 'when', 'user', 'customer']);
export function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? []).filter((w) => !STOP.has(w)));
}

/** Jaccard similarity of the two texts' content words: 1 = same words. */
export function overlap(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  if (!x.size || !y.size) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return common / (x.size + y.size - common);
}
