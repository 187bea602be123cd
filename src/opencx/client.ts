import type { Agent } from 'undici';
import pLimit from 'p-limit';
import type { z } from 'zod';
import { redactText } from '../core/redact.js';
import type { Secret } from '../core/secret.js';
import type { Action, ActionList, HandoffReason } from './schemas.js';
import type * as Schemas from './schemas.js';

// The answers' zod schemas are built on the first call, not with this module: a CLI diagnosis without an OpenCX key
// loads this module but never calls, and building them was about 1 ms of its start (measured per module).
let schemas: Promise<typeof Schemas> | null = null;
const loadSchemas = () => (schemas ??= import('./schemas.js'));
import type { OpenCxSettings } from './settings.js';

export type OpenCxErrorKind = 'not_found' | 'unauthorized' | 'forbidden' | 'timeout' | 'bad_response' | 'unavailable' | 'rate_limited';

/** A fact OpenCX could not give, with a sentence the card can show. Never carries the API key. */
export class OpenCxError extends Error {
  constructor(readonly kind: OpenCxErrorKind, message: string, readonly status: number | null = null, readonly scope: OpenCxScope | null = null) {
    super(redactText(message));
  }
}

/**
 * The read scope each resource needs (docs: api-reference/authentication, "resource:read"). OpenCX's 403 body is
 * generic, so the client names the scope from the path it asked for.
 */
export type OpenCxScope = 'actions:read' | 'chat-sessions:read' | 'segments:read' | 'handoff-analytics:read';
export function scopeFor(path: string): OpenCxScope | null {
  if (path.startsWith('/actions')) return 'actions:read';
  if (path.startsWith('/chat/sessions')) return 'chat-sessions:read';
  if (path.startsWith('/contacts/segments')) return 'segments:read';
  if (path.startsWith('/handoff-analytics')) return 'handoff-analytics:read';
  return null;
}

export interface HandoffQuery {
  reason: HandoffReason;
  /** ISO 8601; OpenCX defaults to 30 days ago / now when left out. */
  start?: string;
  end?: string;
  cursor?: string;
}

const MAX_ATTEMPTS = 3;
const MAX_WAIT_MS = 10_000;

/** A token bucket: `perMinute` requests per rolling minute for this key, then callers wait their turn. */
class MinuteBucket {
  readonly #stamps: number[] = [];
  constructor(private readonly perMinute: number) {}
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.#stamps.length && now - this.#stamps[0]! >= 60_000) this.#stamps.shift();
      if (this.#stamps.length < this.perMinute) {
        this.#stamps.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, 60_000 - (now - this.#stamps[0]!) + 5));
    }
  }
}

/**
 * The OpenCX public API: typed answers (zod), at most `OPENCX_REQUESTS_PER_MINUTE` per minute, a timeout per call,
 * backoff on 429/5xx honouring Retry-After, no retry on other 4xx.
 */
export class OpenCxClient {
  // undici is loaded on the first call, not with this module: a CLI diagnosis without an OpenCX key never needs it, and
  // it is a large part of what a process would otherwise load at start.
  #http: Promise<{ agent: Agent; request: typeof import('undici').request }> | null = null;
  readonly #limit = pLimit(4);
  readonly #bucket: MinuteBucket;
  readonly #key: Secret;

  constructor(private readonly settings: OpenCxSettings & { OPENCX_API_KEY: Secret }, private readonly sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {
    this.#key = settings.OPENCX_API_KEY;
    this.#bucket = new MinuteBucket(settings.OPENCX_REQUESTS_PER_MINUTE);
  }

  /** Every action, read record by record: an odd one is reported in `odd`, never fails the list. */
  async actionList(): Promise<ActionList> {
    const list = await this.#get('/actions', (s) => s.RawActionListSchema, 'the action list');
    return (await loadSchemas()).readActionList(list);
  }
  /** The readable actions (see actionList for the records that were not). */
  async listActions(): Promise<Action[]> {
    return (await this.actionList()).actions;
  }
  session(id: string) {
    return this.#get(`/chat/sessions/${encodeURIComponent(id)}`, (s) => s.ChatSessionSchema, `session ${id}`);
  }
  history(id: string, cursor?: string) {
    return this.#get(`/chat/sessions/${encodeURIComponent(id)}/history${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, (s) => s.HistoryPageSchema, `the history of session ${id}`);
  }
  contactSegments(contactId: string) {
    return this.#get(`/contacts/segments/contacts/${encodeURIComponent(contactId)}`, (s) => s.ContactSegmentsSchema, `the segments of contact ${contactId}`);
  }
  /** One page of handoff events (`{items, next, total}`), for a reason and a date window. */
  handoffEvents(q: HandoffQuery) {
    const params = new URLSearchParams({ reason: q.reason });
    if (q.start) params.set('start_date', q.start);
    if (q.end) params.set('end_date', q.end);
    if (q.cursor) params.set('cursor', q.cursor);
    return this.#get(`/handoff-analytics/events?${params}`, (s) => s.HandoffEventsSchema, `handoff events (${q.reason})`);
  }

  async close(): Promise<void> {
    if (this.#http) await (await this.#http).agent.close();
  }

  #get<T extends z.ZodType>(path: string, pick: (s: typeof Schemas) => T, what: string): Promise<z.infer<T>> {
    return this.#limit(async () => {
      const schema = pick(await loadSchemas());
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        await this.#bucket.take();
        const r = await this.#once(path, what);
        if (r.ok) {
          const parsed = schema.safeParse(r.body);
          if (parsed.success) return parsed.data;
          const issue = parsed.error.issues[0]!;
          throw new OpenCxError('bad_response', `OpenCX answered ${what} in an unexpected shape: ${issue.path.join('.') || '(top)'} ${issue.message}`, r.status);
        }
        const retryable = r.status === 429 || (r.status !== null && r.status >= 500) || r.error.kind === 'unavailable';
        const delay = Math.min(r.retryAfterMs ?? 500 * 2 ** (attempt - 1), MAX_WAIT_MS);
        if (!retryable || attempt >= MAX_ATTEMPTS || waited + delay > MAX_WAIT_MS) throw r.error;
        waited += delay;
        await this.sleep(delay);
      }
    });
  }

  async #once(path: string, what: string): Promise<{ ok: true; status: number; body: unknown } | { ok: false; status: number | null; error: OpenCxError; retryAfterMs: number | null }> {
    const url = new URL(path.replace(/^\//, ''), this.settings.OPENCX_API_URL.replace(/\/?$/, '/'));
    let res;
    try {
      // CommonJS through import(): Node names its exports, the CLI bundle hands module.exports as `default` only.
      this.#http ??= import('undici').then((m) => ((m as unknown as { default?: typeof m }).default ?? m)).then((u) => ({ agent: new u.Agent({ connections: 4 }), request: u.request }));
      const { agent, request } = await this.#http;
      res = await request(url, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${this.#key.reveal()}`, accept: 'application/json', 'user-agent': 'action-debug' },
        signal: AbortSignal.timeout(this.settings.OPENCX_TIMEOUT_MS),
      });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError' || /timeout/i.test((err as Error).message);
      return { ok: false, status: null, retryAfterMs: null, error: new OpenCxError(timeout ? 'timeout' : 'unavailable', timeout ? `OpenCX did not answer ${what} within ${this.settings.OPENCX_TIMEOUT_MS} ms` : `OpenCX is unreachable (${(err as Error).message})`) };
    }
    const text = await res.body.text().catch(() => '');
    const status = res.statusCode;
    let body: unknown = undefined;
    try {
      body = JSON.parse(text);
    } catch {
      if (status < 300) return { ok: false, status, retryAfterMs: null, error: new OpenCxError('bad_response', `OpenCX answered ${what} with ${/^\s*</.test(text) ? 'an HTML page' : 'something that is not JSON'} (status ${status})`, status) };
    }
    if (status >= 200 && status < 300) return { ok: true, status, body };
    const msg = (await loadSchemas()).ErrorBodySchema.safeParse(body).data?.message;
    const detail = Array.isArray(msg) ? msg.join('; ') : msg ?? '';
    const scope = scopeFor(path);
    const kind: OpenCxErrorKind = status === 404 ? 'not_found' : status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 429 ? 'rate_limited' : 'unavailable';
    const sentence: Record<OpenCxErrorKind, string> = {
      not_found: `OpenCX has no ${what} (404)`,
      unauthorized: 'OpenCX refused the API key (401): check OPENCX_API_KEY',
      forbidden: scope
        ? `the OpenCX API key lacks the scope ${scope}, needed to read ${what} (403): add ${scope} to the key (Settings → Access) or use a full-access key`
        : `the OpenCX API key may not read ${what} (403)`,
      rate_limited: `OpenCX rate-limited the request for ${what} (429)`,
      unavailable: `OpenCX failed to answer ${what} (${status})`,
      timeout: '',
      bad_response: '',
    };
    const ra = res.headers['retry-after'];
    const retryAfterMs = typeof ra === 'string' && /^\d+$/.test(ra) ? Number(ra) * 1000 : null;
    return { ok: false, status, retryAfterMs, error: new OpenCxError(kind, `${sentence[kind]}${detail && kind !== 'forbidden' ? `: ${detail}` : ''}`, status, kind === 'forbidden' ? scope : null) };
  }
}
