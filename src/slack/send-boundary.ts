import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { fits, splitMessage, type Part } from '../render/slack-budget.js';

type Fetch = typeof globalThis.fetch;

/** The Web API methods that carry a message a user reads. */
const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
/** Methods whose text Slack would otherwise parse on its own (messages and surfaces): sent literal (see `literal`). */
const TEXT_METHODS = new Set([...MESSAGE_METHODS, 'views.open', 'views.update', 'views.push', 'views.publish']);
/** Fields of the first part's request that a continuation must not repeat (it is a new post in the thread). */
const NOT_CARRIED = ['text', 'blocks', 'ts', 'thread_ts', 'reply_broadcast', 'replace_original', 'delete_original', 'attachments'];

/**
 * THE send boundary: every message the app sends to Slack goes through here, because it is the `fetch` of every Web
 * API client the app makes (slackClientOptions) and of Bolt's `respond` (Bolt posts to the response_url with the
 * App's `clientOptions.fetch`), so listeners, the flows, the card updater and the outbox all pass it without knowing.
 *
 * A message that fits MESSAGE_BUDGET goes out as it came, its text made literal (`literal`). One that does not is split (splitMessage):
 * the first part goes where it was asked (the post, the update, the ephemeral, the response_url) and says that it
 * continues; the other parts follow in its thread (chat.postMessage, chat.update: the message's thread), or after it
 * (an ephemeral, a response_url answer: they have no thread). The caller gets the first part's answer, as if its one
 * message had been posted: its ts is the head of what the user reads.
 */
export function slackSendBoundary(inner: Fetch, apiUrl: string, log: Logger = silentLogger): Fetch {
  const boundary = async (input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if ((init?.method ?? 'GET').toUpperCase() !== 'POST' || typeof init?.body !== 'string') return inner(input, init);
    const method = url.startsWith(apiUrl) ? url.slice(apiUrl.length).split('?')[0]! : null;
    const headers = new Headers(init.headers);
    const json = /json/i.test(headers.get('content-type') ?? '');
    // A Web API message or view method, or a response_url (any other POST of JSON: Bolt's respond).
    if (method !== null ? !TEXT_METHODS.has(method) : !json) return inner(input, init);
    const decoded = decode(init.body, json);
    if (!decoded) return inner(input, init);
    const args = literal(decoded, method);
    headers.delete('content-length');
    if ((method !== null && !MESSAGE_METHODS.has(method)) || fits(args)) return inner(input, { ...init, headers, body: encode(args, json) });

    const where = method === 'chat.update' ? "in this message's thread" : method === 'chat.postMessage' && !args['thread_ts'] ? 'in the thread' : 'below';
    const parts = splitMessage(args, where);
    const post = (to: string, body: Record<string, unknown>, signal?: AbortSignal | null) =>
      inner(to, { ...init, headers, body: encode(body, json), ...(signal !== undefined ? { signal } : {}) });
    const first = await post(url, { ...args, ...fields(parts[0]!) });
    const answerText = await first.text();
    const answer = parse(answerText);
    const head = new Response(answerText, { status: first.status, statusText: first.statusText, headers: first.headers });
    if (parts.length === 1 || !first.ok || (method !== null && answer?.['ok'] !== true)) return head;

    const base = Object.fromEntries(Object.entries(args).filter(([k]) => !NOT_CARRIED.includes(k)));
    const next = (p: Part): { to: string; body: Record<string, unknown> } => {
      if (method === null) return { to: url, body: { ...base, ...fields(p), replace_original: false } };
      if (method === 'chat.postEphemeral') return { to: url, body: { ...base, ...fields(p), ...(args['thread_ts'] ? { thread_ts: args['thread_ts'] } : {}) } };
      // chat.postMessage answers the channel it posted to (a DM's D… id for a user ID) and the message's ts.
      const channel = String(answer?.['channel'] ?? args['channel']);
      const thread = String(args['thread_ts'] ?? (method === 'chat.update' ? args['ts'] : answer?.['ts']));
      return { to: `${apiUrl}chat.postMessage`, body: { ...base, channel, thread_ts: thread, ...fields(p) } };
    };
    for (let i = 1; i < parts.length; i++) {
      const { to, body } = next(parts[i]!);
      const ok = await sendContinuation(() => post(to, body, AbortSignal.timeout(10_000)), method !== null);
      if (!ok.sent) {
        log.error({ method: method ?? 'response_url', part: i + 1, of: parts.length, err: ok.error }, 'a continuation of a long message was not accepted; the first part says it continues');
        break;
      }
    }
    return head;
  };
  return boundary as Fetch;
}

/** One continuation, with Slack's 429s waited out (their Retry-After, bounded) and nothing else retried. */
async function sendContinuation(send: () => Promise<Response>, api: boolean): Promise<{ sent: true } | { sent: false; error: string }> {
  for (let attempt = 0; attempt < 4; attempt++) {
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      return { sent: false, error: (err as Error).message };
    }
    const text = await res.text();
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(30, Number.isFinite(after) ? Math.max(1, after) : 1) * 1000));
      continue;
    }
    if (!res.ok) return { sent: false, error: `HTTP ${res.status}` };
    if (api && parse(text)?.['ok'] !== true) return { sent: false, error: String(parse(text)?.['error'] ?? 'not ok') };
    return { sent: true };
  }
  return { sent: false, error: 'ratelimited' };
}

/**
 * Text goes to Slack literal: every mrkdwn object gets `verbatim: true` and chat.update gets `parse: none`. Without
 * them Slack parses text on its own: "When set to false (as is default) URLs will be auto-converted into links,
 * conversation names will be link-ified, and certain mentions will be automatically parsed" (Block Kit, text object);
 * chat.update's `parse` "defaults to client, unlike chat.postMessage". Outside text (an endpoint's body, an action
 * name) writing `@channel` or `#general` must stay text; our own mentions and links are written as `<@U…>`/`<url|…>`,
 * which Slack still reads with verbatim on ("it will continue to process … manual parsing strings").
 */
function literal(args: Record<string, unknown>, method: string | null): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = k === 'text' && typeof x === 'string' ? x : walk(x);
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') out['verbatim'] = true;
    return out;
  };
  const out: Record<string, unknown> = { ...args };
  for (const k of ['blocks', 'view', 'attachments']) if (out[k] !== undefined) out[k] = walk(out[k]);
  if (method === 'chat.update' && out['parse'] === undefined) out['parse'] = 'none';
  return out;
}

function fields(p: Part): Record<string, unknown> {
  return p.blocks ? { text: p.text, blocks: p.blocks } : { text: p.text };
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The Web API's form body (objects JSON-encoded, as @slack/web-api sends them) or a response_url's JSON. */
function decode(body: string, json: boolean): Record<string, unknown> | null {
  if (json) return parse(body);
  const out: Record<string, unknown> = Object.fromEntries(new URLSearchParams(body));
  for (const k of ['blocks', 'attachments', 'metadata', 'view']) {
    if (typeof out[k] !== 'string') continue;
    const v = parse(`{"v":${out[k] as string}}`);
    if (!v) return null;
    out[k] = v['v'];
  }
  return out;
}

function encode(args: Record<string, unknown>, json: boolean): string {
  if (json) return JSON.stringify(args);
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== null) p.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  return p.toString();
}
