import type { ProbeContext, ProbeServices } from '../pipeline/probe.js';
import type { OpenCxClient } from './client.js';
import type { Action, ChatSession, HistoryPage } from './schemas.js';

const TTL_MS = 10_000;
const MAX_HISTORY_PAGES = 3;

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
    value.catch(() => this.#memo.delete(key));
    return value;
  }

  actions(): Promise<Action[]> {
    return this.#once('actions', () => this.client.listActions());
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
  insufficientToolsHandoffs() {
    return this.#once('handoffs:insufficient_tools', async () => (await this.client.handoffEvents('insufficient_tools')).items);
  }
}

export interface OpenCxServices extends ProbeServices {
  opencx?: OpenCxFacts;
}

export function opencxOf(ctx: ProbeContext): OpenCxFacts {
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
