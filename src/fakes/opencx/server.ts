import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HANDOFF_REASONS, type Action, type ChatSession, type HistoryPage } from '../../opencx/schemas.js';

/**
 * A fake OpenCX public API, as a real HTTP server on 127.0.0.1, speaking the documented shapes and status codes
 * (docs.open.cx api-reference): Bearer key check (401), scoped keys (403 with the generic body, as the API does not name
 * the scope), 404 for unknown sessions, `{items, next}` cursor pages, `{data}` segments, handoff events filtered by
 * reason and an ISO 8601 date window that defaults to the last 30 days, newest first. Faults are injected per path.
 */
/** A record as OpenCX may really send it: the documented Action, or an odd one (`enabled_on_channel: {}`, `channels: null`). */
export type RawRecord = { [field: string]: unknown };

/** Every read scope the fake knows, and the one each path needs (docs: api-reference/authentication). */
export const SCOPES = ['actions:read', 'chat-sessions:read', 'segments:read', 'handoff-analytics:read', 'contacts:read'] as const;
export type Scope = (typeof SCOPES)[number];
function scopeOf(path: string): Scope | null {
  if (path.startsWith('/actions')) return 'actions:read';
  if (path.startsWith('/chat/sessions')) return 'chat-sessions:read';
  if (path.startsWith('/contacts/segments')) return 'segments:read';
  if (path.startsWith('/contacts')) return 'contacts:read';
  if (path.startsWith('/handoff-analytics')) return 'handoff-analytics:read';
  return null;
}

export interface Dataset {
  actions: (Action | RawRecord)[];
  sessions: Record<string, ChatSession>;
  history: Record<string, HistoryPage['items']>;
  segments: Record<string, { id: string; name: string; description: string | null }[]>;
  handoffs: { session_id: string; reasons: string[]; summary: string | null; created_at: string }[];
}

export interface OpenCxFault {
  status?: number;
  retryAfter?: number;
  delayMs?: number;
  /** Answer 200 with an HTML page instead of JSON. */
  html?: boolean;
  /** Answer 200 with JSON missing a required field. */
  malformed?: boolean;
  times?: number;
}

export interface FakeOpenCx {
  url: string;
  key: string;
  data: Dataset;
  requests: { path: string; auth: string | null }[];
  fail(pathPrefix: string, fault: OpenCxFault): void;
  /** Removes every injected fault (OpenCX is back). */
  clearFaults(): void;
  /** Adds a custom-scoped key (OpenCX keys are full-access or custom-scoped). */
  addKey(key: string, scopes: Scope[]): void;
  close(): Promise<void>;
}

const at = (h: number) => new Date(Date.parse('2026-11-23T09:00:00Z') + h * 60_000).toISOString();
const msg = (h: number, sender: string, text: string) => ({ created_at: at(h), event: { type: 'message', sender: { type: sender }, content: { type: 'text', text } } });
const action = (id: string, name: string, description: string, endpoint: string, channels: string[], method = 'GET'): Action => ({
  id, name, description, api_endpoint: endpoint, request_type: method, operation_id: null, payload: {}, status: 'live', enabled_on_channel: { channels }, pinned: false, tags: [], is_handoff_like: false, require_form_submission: false, created_at: at(0), updated_at: at(0),
});
const session = (id: string, channel: string, contact: string | null, extra: Partial<ChatSession> = {}): ChatSession => ({
  id, status: 'closed_unresolved', channel: { type: channel }, ticket_number: 1042, ai_closure_type: null, sentiment: 'neutral', assist_mode: false, created_at: at(0), updated_at: at(5),
  contact: contact ? { id: contact, email: `${contact}@example.test`, phone_number: null, name: 'Dana', custom_data: null } : null, ...extra,
});

/** The data `npm run demo` and the tests use: a shop whose order actions fail in each family-4 way. */
export function demoDataset(endpoints: { order?: string } = {}): Dataset {
  const order = endpoints.order ?? 'https://api.acme.test/orders/{id}';
  return {
    actions: [
      action('act_1', 'Look up order', 'Look up an order by ID and return its status, carrier and tracking number', order, ['web']),
      action('act_2', 'Track order', 'Look up an order by ID and return its tracking status', 'https://api.acme.test/track/{id}', ['web', 'email']),
      action('act_3', 'Refund', 'Refunds', 'https://api.acme.test/refunds', ['web', 'email'], 'POST'),
      action('act_4', 'Update address', 'Change the delivery address of an open order', 'https://api.acme.test/orders/{id}/address', ['web'], 'PATCH'),
      // Real accounts return records the API reference does not describe; the client must survive them.
      ...oddActions(),
    ],
    sessions: {
      ses_web: session('ses_web', 'web', 'con_vip'),
      ses_email: session('ses_email', 'email', 'con_plain'),
      ses_anon: session('ses_anon', 'web', null),
      ses_handoff: session('ses_handoff', 'web', 'con_plain', { ai_closure_type: 'handed_off', handoff: { summary: 'Customer asked where order 1234 is; no tool could look it up', sentiment: 'angry' } }),
    },
    history: {
      ses_web: [msg(0, 'contact', 'Hi, where is my order 1234?'), msg(1, 'ai', 'Let me check that for you.')],
      ses_email: [msg(0, 'contact', 'Can you tell me the status of order 5521?'), msg(1, 'ai', 'I will forward this to a colleague.')],
      ses_anon: [msg(0, 'contact', 'track order 77')],
      ses_handoff: [msg(0, 'contact', 'Where is my order 1234? It was due yesterday'), msg(1, 'ai', "I'm handing you over to a colleague."), { created_at: at(2), event: { type: 'handoff' } }],
    },
    segments: { con_vip: [{ id: 'seg_vip', name: 'VIP customers', description: null }], con_plain: [] },
    handoffs: [{ session_id: 'ses_handoff', reasons: ['insufficient_tools'], summary: 'No tool to look up the order status', created_at: at(2) }],
  };
}

/** Odd records as real accounts return them; each costs only its own unreadable fields. */
export function oddActions(): RawRecord[] {
  return [
    { ...action('act_odd_1', 'Cancel subscription', 'Cancel a customer subscription by its ID at the end of the period', 'https://api.acme.test/subscriptions/{id}', []), enabled_on_channel: {} },
    { ...action('act_odd_2', 'Check stock', 'Check the stock level of a product by SKU in every warehouse', 'https://api.acme.test/stock/{sku}', []), enabled_on_channel: { channels: null }, is_handoff_like: null },
    { id: 'act_odd_3', description: 'A record with no name', api_endpoint: null },
  ];
}

/** `count` handoff events of other sessions, newest first from `newest`, one every `everyMinutes`: a busy organisation. */
export function busyHandoffs(count: number, newest: string, everyMinutes = 30): Dataset['handoffs'] {
  return Array.from({ length: count }, (_, i) => ({
    session_id: `ses_other_${i}`, reasons: ['insufficient_tools'], summary: null, created_at: new Date(Date.parse(newest) - i * everyMinutes * 60_000).toISOString(),
  }));
}

const DAY = 24 * 60 * 60_000;

export async function startFakeOpenCx(opts: { key?: string; data?: Dataset; now?: () => number; pageSize?: number } = {}): Promise<FakeOpenCx> {
  const key = opts.key ?? 'ocx_test_fake_key_0123456789';
  const data = opts.data ?? demoDataset();
  const now = opts.now ?? (() => Date.now());
  const pageSize = opts.pageSize ?? 10;
  const keys = new Map<string, readonly Scope[]>([[key, SCOPES]]);
  const requests: FakeOpenCx['requests'] = [];
  const faults: { prefix: string; fault: OpenCxFault }[] = [];

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? null;
    requests.push({ path: url.pathname + url.search, auth });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string) => send(status, { statusCode: status, message, error: http.STATUS_CODES[status] });
    const f = faults.find((x) => url.pathname.startsWith(x.prefix));
    if (f) {
      const fault = f.fault;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(f), 1);
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (res.destroyed) return;
      if (fault.html) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body>Maintenance</body></html>');
      }
      if (fault.malformed) return send(200, url.pathname === '/actions' ? [{ id: 'x' }] : { nothing: true });
      if (fault.status) return send(fault.status, { statusCode: fault.status, message: 'fault', error: 'fault' }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
    }
    const scopes = auth?.startsWith('Bearer ') ? keys.get(auth.slice(7)) : undefined;
    if (!scopes) return error(401, 'Invalid API key');
    const needed = scopeOf(url.pathname);
    if (needed && !scopes.includes(needed)) return error(403, 'Forbidden resource');
    const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (p[0] === 'actions' && p.length === 1) return send(200, data.actions);
    if (p[0] === 'actions' && p[1]) return data.actions.find((a) => a.id === p[1]) ? send(200, data.actions.find((a) => a.id === p[1])) : error(404, 'Action not found');
    if (p[0] === 'chat' && p[1] === 'sessions' && p[2]) {
      const s = data.sessions[p[2]];
      if (!s) return error(404, 'Chat session not found');
      if (p[3] === 'history') {
        const items = data.history[p[2]] ?? [];
        const start = Number(url.searchParams.get('cursor') ?? 0);
        const page = items.slice(start, start + 2);
        return send(200, { items: page, next: start + 2 < items.length ? String(start + 2) : null });
      }
      return send(200, s);
    }
    if (p[0] === 'contacts' && p[1] === 'segments' && p[2] === 'contacts' && p[3]) return send(200, { data: data.segments[p[3]] ?? [] });
    if (p[0] === 'handoff-analytics' && p[1] === 'events') {
      const q = url.searchParams;
      const reason = q.get('reason');
      if (reason !== null && !(HANDOFF_REASONS as readonly string[]).includes(reason)) return error(400, `reason must be one of: ${HANDOFF_REASONS.join(', ')}`);
      const date = (name: string, fallback: number) => {
        const v = q.get(name);
        return v === null ? fallback : Date.parse(v);
      };
      // Each bound defaults on its own (docs: start_date "defaults to 30 days ago", end_date "defaults to now").
      const end = date('end_date', now());
      const start = date('start_date', now() - 30 * DAY);
      if (!Number.isFinite(start) || !Number.isFinite(end)) return error(400, 'start_date and end_date must be ISO 8601 dates');
      const matching = data.handoffs
        .filter((h) => (!reason || h.reasons.includes(reason)) && Date.parse(h.created_at) >= start && Date.parse(h.created_at) <= end)
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      const from = Number(q.get('cursor') ?? 0);
      if (!Number.isInteger(from) || from < 0) return error(400, 'Invalid cursor');
      const next = from + pageSize < matching.length ? String(from + pageSize) : null;
      return send(200, { items: matching.slice(from, from + pageSize).map((h) => ({ explanation: '', ...h })), next, total: matching.length });
    }
    error(404, `Cannot GET ${url.pathname}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    data,
    requests,
    fail: (prefix, fault) => void faults.push({ prefix, fault: { ...fault } }),
    addKey: (k, s) => void keys.set(k, s),
    clearFaults: () => void faults.splice(0),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
