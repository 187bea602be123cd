import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockErrors, viewAckErrors, viewErrors, BLOCK_KIT, messageBlockText, loneSurrogates } from './block-limits.js';
import { RateLimiter, type RateLimitSettings } from './rate-limits.js';

/**
 * A fake Slack, as a real HTTP server on 127.0.0.1, as strict as Slack's reference pages say Slack is: the Web API
 * methods the app calls (via `clientOptions.slackApiUrl`) with their documented errors (`invalid_blocks` with
 * `response_metadata.messages`, `invalid_arguments`, `not_in_channel`, `channel_not_found`, `is_archived`,
 * `msg_too_long`, `msg_blocks_too_long`; chat.update's `is_inactive` and `message_not_found`; chat.postEphemeral's
 * `user_not_in_channel`; views' `hash_conflict`, `push_limit_reached`, `view_too_large`, `duplicate_external_id`), the
 * `message_truncated` warning past 40,000 characters, DMs answered with their D… id, Block Kit validation
 * (block-limits.ts), rate-limit tiers answered with 429 + Retry-After
 * (rate-limits.ts), channel membership (public, private, DM, archived; the bot in it or not), the response_url sink
 * (5 uses in 30 minutes), trigger_ids (3 s, single use) and injectable faults. Tests and the demo assert on its
 * transcript: exactly what a user would see.
 *
 * One rule is stricter than Slack, on purpose: blocks without a top-level `text` fallback are refused
 * (`invalid_arguments`). Slack only logs a warning, but the fallback is what notifications and screen readers show, so
 * a message without one is a defect we want tests to catch.
 */

export interface ApiCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
  at: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: unknown[];
  /** Every version the message had, oldest first (postMessage, then each update). */
  versions: { text: string; blocks: unknown[] }[];
  ephemeralTo: string | null;
}

/** A file a user shared, as Slack describes it in a message event's `files`. */
export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

/** A conversation as Slack sees it from the bot: its kind, whether the bot is a member, whether it is archived. */
export interface Conversation {
  kind: 'public' | 'private' | 'im' | 'mpim';
  botMember: boolean;
  archived: boolean;
  /** For an im: the human on the other side when it is the app's own DM (the bot may always post there). */
  user?: string;
}

/** Everything the app sent that a user could see: Web API args, response_url bodies, ack bodies. */
export interface Payload {
  via: 'api' | 'response_url' | 'ack';
  method: string;
  body: Record<string, unknown>;
}

export interface Fault {
  status?: number;
  retryAfter?: number;
  error?: string;
  delayMs?: number;
  /** How many calls it applies to (default 1). */
  times?: number;
  /** Only calls whose arguments match (e.g. thread replies: `(a) => Boolean(a['thread_ts'])`). */
  match?: (args: Record<string, unknown>) => boolean;
}

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

export interface FakeSlack {
  url: string;
  apiUrl: string;
  calls: ApiCall[];
  messages: FakeMessage[];
  responses: { id: string; body: Record<string, unknown> }[];
  /** Every payload the app sent (API args, response_url posts, acks recorded by the driver), refused ones too. */
  payloads: Payload[];
  /** Web API calls answered 429 (method, Retry-After seconds). */
  rateLimited: { method: string; retryAfter: number }[];
  /**
   * Payloads Slack refused as malformed (invalid_blocks, invalid_arguments, msg_too_long, msg_blocks_too_long) or cut
   * (message_truncated: the user lost the end): a correct app has none.
   */
  refused: { via: Payload['via']; method: string; error: string; errors: string[] }[];
  /** Acks that came after Slack's 3 s deadline: Slack discarded them (the user saw "operation_timeout"). */
  lateAcks: { ms: number; body: Record<string, unknown> }[];
  /** The driver hands over an ack that came too late: not shown, recorded as late. */
  recordLateAck(body: Record<string, unknown>, ms: number): void;
  /** The app's DM with a user (the D… id chat.postMessage answers when given the user's ID). */
  dm(user: string): string;
  /** Who is in a conversation (default: everyone); chat.postEphemeral to anyone else is user_not_in_channel. */
  setMembers(channel: string, users: string[]): void;
  /** The driver hands over each ack body it received; checked as Slack checks it. */
  /** An ack's body, checked as Slack checks it; `ackFor.view`: the view a submission came from. */
  recordAck(body: Record<string, unknown>, ackFor?: { view: Record<string, unknown> }): void;
  /** Sets how a conversation looks to the bot (default: a public channel the bot is in). */
  setConversation(id: string, c: Partial<Conversation>): void;
  conversation(id: string): Conversation;
  views: { id: string; view: Record<string, unknown>; user: string | null; hash?: string }[];
  /** Files users shared; their downloads need the bot token, as files.slack.com does. */
  downloads: { id: string; token: string | null }[];
  upload(name: string, content: string, mimetype?: string): FakeFile;
  /** A workspace admin approved the install: the code the redirect carries, and the bot token oauth.v2.access will give. */
  /** `enterprise`: a workspace-level install in that Enterprise Grid org (Slack answers with both team and enterprise). */
  grantInstall(team: { id: string; name: string }, opts?: { orgWide?: boolean; enterprise?: { id: string; name: string } }): { code: string; token: string };
  /** Tokens revoked through auth.revoke: every later call with one answers `token_revoked`, as Slack does. */
  revokedTokens: ReadonlySet<string>;
  /** oauth.v2.access calls, with the client credentials they carried. */
  oauthExchanges: { code: string; clientId: string; clientSecret: string }[];
  /** Socket Mode: apps.connections.open (with an app-level xapp- token) hands out this WebSocket URL. */
  acceptSocketMode(url: string): void;
  issueTrigger(): string;
  responseUrl(): string;
  fail(method: string, fault: Fault): void;
  clearFaults(): void;
  channel(channel: string): FakeMessage[];
  thread(channel: string, ts: string): FakeMessage[];
  waitFor<T>(find: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  /** trigger_id lifetime: Slack's is 3 s. */
  triggerTtlMs?: number;
  /** response_url: Slack allows 5 uses within 30 minutes. */
  responseUrlTtlMs?: number;
  responseUrlUses?: number;
  /** Rate-limit tiers (rate-limits.ts); `false` only for tests that measure something else under load. */
  rateLimits?: Partial<RateLimitSettings> | false;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const triggerTtl = opts.triggerTtlMs ?? 3000;
  const responseTtl = opts.responseUrlTtlMs ?? 30 * 60_000;
  const responseMaxUses = opts.responseUrlUses ?? 5;
  const limiter = opts.rateLimits === false ? null : new RateLimiter(opts.rateLimits ?? {});
  const payloads: Payload[] = [];
  const refused: FakeSlack['refused'] = [];
  const lateAcks: FakeSlack['lateAcks'] = [];
  const members = new Map<string, Set<string>>();
  // views.open starts a stack, views.push adds to the newest one (Slack: at most 3 views in a stack).
  const stacks: string[][] = [];
  const rateLimited: FakeSlack['rateLimited'] = [];
  const conversations = new Map<string, Conversation>();
  const responseIssued = new Map<string, number>();
  const calls: ApiCall[] = [];
  const messages: FakeMessage[] = [];
  const responses: FakeSlack['responses'] = [];
  const views: FakeSlack['views'] = [];
  const triggers = new Map<string, { issued: number; used: boolean }>();
  const responseUses = new Map<string, number>();
  const faults = new Map<string, Fault[]>();
  const files = new Map<string, { file: FakeFile; content: string }>();
  const downloads: FakeSlack['downloads'] = [];
  const grants = new Map<string, { team: { id: string; name: string }; token: string; orgWide: boolean; enterprise: { id: string; name: string } | null }>();
  const revokedTokens = new Set<string>();
  const tokenTeams = new Map<string, string>();
  const oauthExchanges: FakeSlack['oauthExchanges'] = [];
  let socketModeUrl: string | null = null;
  let seq = 0;
  const nextTs = () => `${1_700_000_000 + ++seq}.${String(seq).padStart(6, '0')}`;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname.startsWith('/response/')) {
        const id = url.pathname.slice('/response/'.length);
        const used = (responseUses.get(id) ?? 0) + 1;
        responseUses.set(id, used);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw || '{}') as Record<string, unknown>;
        } catch {
          return send(400, { ok: false, error: 'invalid_payload' });
        }
        payloads.push({ via: 'response_url', method: id, body });
        const issued = responseIssued.get(id);
        if (issued === undefined) return send(404, { ok: false, error: 'invalid_url' });
        // Slack: "up to 5 times within 30 minutes"; after that the URL is dead.
        if (used > responseMaxUses || Date.now() - issued > responseTtl) return send(404, { ok: false, error: 'expired_url' });
        const errs = [...blockErrors(body['blocks']), ...textErrors(body), ...loneSurrogates(body)];
        if (errs.length) {
          refused.push({ via: 'response_url', method: id, error: 'invalid_blocks', errors: errs });
          return send(400, { ok: false, error: 'invalid_blocks', errors: errs, response_metadata: { messages: errs.map((e) => `[ERROR] ${e}`) } });
        }
        responses.push({ id, body });
        return send(200, { ok: true });
      }
      if (url.pathname.startsWith('/files-pri/')) {
        const id = url.pathname.split('/')[2]?.split('-')[1] ?? '';
        const auth = String(req.headers.authorization ?? '');
        downloads.push({ id, token: auth.startsWith('Bearer ') ? auth.slice(7) : null });
        const f = files.get(id);
        // Without a token (or the files:read scope) Slack answers with its sign-in page, not an error status.
        if (!f || !auth.startsWith('Bearer ')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>');
        }
        res.writeHead(200, { 'content-type': f.file.mimetype });
        return res.end(f.content);
      }
      if (!url.pathname.startsWith('/api/')) return send(404, { ok: false, error: 'unknown_path' });
      const method = url.pathname.slice('/api/'.length);
      const args: Record<string, unknown> = /json/.test(String(req.headers['content-type'])) ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
      for (const f of JSON_FIELDS) if (typeof args[f] === 'string') args[f] = JSON.parse(args[f] as string);
      const auth = String(req.headers.authorization ?? '');
      calls.push({ method, token: auth.startsWith('Bearer ') ? auth.slice(7) : null, args, at: Date.now() });
      payloads.push({ via: 'api', method, body: args });

      const queue = faults.get(method) ?? [];
      const fault = queue.find((f) => !f.match || f.match(args));
      if (fault) {
        fault.times = (fault.times ?? 1) - 1;
        if (fault.times <= 0) queue.splice(queue.indexOf(fault), 1);
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.status) return send(fault.status, { ok: false, error: fault.status === 429 ? 'ratelimited' : 'fatal_error' }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
        if (fault.error) return send(200, { ok: false, error: fault.error });
      }
      if (method === 'oauth.v2.access') {
        // The client credentials come in the form body (or as HTTP Basic); the code is single use.
        const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':') : [];
        const g = grants.get(String(args['code']));
        oauthExchanges.push({ code: String(args['code']), clientId: String(args['client_id'] ?? basic[0] ?? ''), clientSecret: String(args['client_secret'] ?? basic[1] ?? '') });
        if (!g) return send(200, { ok: false, error: 'invalid_code' });
        grants.delete(String(args['code']));
        return send(200, {
          ok: true, app_id: 'A0APP', authed_user: { id: 'U0ADMIN' }, scope: 'commands,chat:write', token_type: 'bot', access_token: g.token,
          // An org-wide install (Enterprise Grid) answers for the enterprise, with no team.
          bot_user_id: 'U0BOT', ...(g.orgWide ? { team: null, enterprise: g.team, is_enterprise_install: true } : { team: g.team, enterprise: g.enterprise, is_enterprise_install: false }),
        });
      }
      if (!auth.startsWith('Bearer ')) return send(200, { ok: false, error: 'not_authed' });
      if (revokedTokens.has(auth.slice(7))) return send(200, { ok: false, error: 'token_revoked' });
      const wait = limiter?.take(method, auth.slice(7), String(args['channel'] ?? ''));
      if (wait) {
        rateLimited.push({ method, retryAfter: wait });
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
      }
      const out = answer(method, args, auth.slice(7));
      if (['invalid_blocks', 'invalid_arguments', 'msg_too_long', 'msg_blocks_too_long', 'view_too_large'].includes(String(out['error']))) refused.push({ via: 'api', method, error: String(out['error']), errors: (out['errors'] as string[]) ?? [] });
      if (out['warning'] === 'message_truncated') refused.push({ via: 'api', method, error: 'message_truncated', errors: [] });
      send(200, out);
    });
  });

  /** Slack answers chat.postMessage to a user ID with the app's DM with them, a D… id (docs: chat.postMessage, channel). */
  const dmOf = (user: string): string => {
    const id = `D${user.slice(1)}`;
    if (!conversations.has(id)) conversations.set(id, { kind: 'im', botMember: true, archived: false, user });
    return id;
  };
  const conv = (id: string): Conversation => conversations.get(id) ?? { kind: id.startsWith('D') ? 'im' : id.startsWith('G') ? 'private' : 'public', botMember: true, archived: false };
  /** Whether the bot may post to a conversation, as Slack answers chat.* without chat:write.public. */
  const postError = (channel: string): string | null => {
    // A user ID as channel: the app's DM with that user (chat:write may always post there).
    if (/^[UW]/.test(channel)) return null;
    const c = conv(channel);
    if (c.archived) return 'is_archived';
    if (c.botMember) return null;
    // A private channel or someone else's DM is invisible to a bot outside it: Slack says it does not exist.
    if (c.kind !== 'public') return 'channel_not_found';
    return 'not_in_channel';
  };
  const invalid = (error: string, errs: string[]) => ({ ok: false, error, errors: errs, response_metadata: { messages: errs.map((e) => `[ERROR] ${e}`) } });

  function answer(method: string, a: Record<string, unknown>, token: string): Record<string, unknown> {
    let channel = String(a['channel'] ?? '');
    const errors = blockErrors(a['blocks']);
    const textErrs = [...textErrors(a), ...(/^(chat|views)\./.test(method) ? loneSurrogates(a) : [])];
    const tooLong = method.startsWith('chat.') && messageBlockText(a['blocks']) > BLOCK_KIT.messageBlockText;
    switch (method) {
      case 'apps.connections.open':
        if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
        return socketModeUrl ? { ok: true, url: socketModeUrl } : { ok: false, error: 'socket_mode_not_enabled' };
      case 'auth.revoke':
        // docs.slack.dev/reference/methods/auth.revoke: revokes the calling token; `test=1` only says it would.
        if (['1', 'true', true].includes(a['test'] as string)) return { ok: true, revoked: false };
        revokedTokens.add(token);
        return { ok: true, revoked: true };
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: 'Fake', user: 'action-debug', team_id: tokenTeams.get(token) ?? 'T0FAKE', user_id: 'U0BOT', bot_id: 'B0BOT' };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!a['text'] && !a['blocks']) return { ok: false, error: 'no_text' };
        const ephemeral = method === 'chat.postEphemeral';
        // chat.postEphemeral documents msg_too_long; chat.postMessage truncates past 40,000 with a warning instead.
        if (ephemeral && len(a['text']) > BLOCK_KIT.messageText) return { ok: false, error: 'msg_too_long' };
        if (errors.length) return invalid('invalid_blocks', errors);
        if (textErrs.length) return invalid('invalid_arguments', textErrs);
        if (tooLong) return { ok: false, error: 'msg_blocks_too_long' };
        if (ephemeral && !a['user']) return invalid('invalid_arguments', ['missing required field: user [json-pointer:/user]']);
        if (/^[UW]/.test(channel)) {
          // chat.postEphemeral's channel is a conversation ("The channel, private group, or IM channel"): not a user.
          if (ephemeral) return { ok: false, error: 'channel_not_found' };
          channel = dmOf(channel);
        }
        const refused = postError(channel);
        if (refused) return { ok: false, error: refused };
        // chat.postEphemeral: "user_not_in_channel: Intended recipient is not in the specified channel."
        if (ephemeral && members.has(channel) && !members.get(channel)!.has(String(a['user']))) return { ok: false, error: 'user_not_in_channel' };
        const truncated = !ephemeral && len(a['text']) > BLOCK_KIT.messageText;
        const ts = nextTs();
        const m: FakeMessage = {
          channel, ts, threadTs: a['thread_ts'] ? String(a['thread_ts']) : null, text: truncated ? [...String(a['text'])].slice(0, BLOCK_KIT.messageText).join('') : String(a['text'] ?? ''), blocks: (a['blocks'] as unknown[]) ?? [],
          versions: [], ephemeralTo: method === 'chat.postEphemeral' ? String(a['user'] ?? '') : null,
        };
        m.versions.push({ text: m.text, blocks: m.blocks });
        messages.push(m);
        if (ephemeral) return { ok: true, message_ts: ts };
        return { ok: true, channel, ts, message: { text: m.text, ts }, ...(truncated ? { warning: 'message_truncated', response_metadata: { warnings: ['message_truncated'] } } : {}) };
      }
      case 'chat.update': {
        // docs.slack.dev/reference/methods/chat.update: "The text field cannot exceed 4,000 characters" (msg_too_long).
        if (len(a['text']) > BLOCK_KIT.updateText) return { ok: false, error: 'msg_too_long' };
        if (errors.length) return invalid('invalid_blocks', errors);
        if (textErrs.length) return invalid('invalid_arguments', textErrs);
        if (tooLong) return { ok: false, error: 'msg_blocks_too_long' };
        // "For direct messages, ensure that this value is a DM ID (starts with D) instead of a User ID."
        if (/^[UW]/.test(channel)) return { ok: false, error: 'channel_not_found' };
        const c = conv(channel);
        // Its documented errors: is_inactive ("The message cannot be edited within a frozen, archived or deleted
        // channel"), channel_not_found; not_in_channel and is_archived are not chat.update's.
        if (c.archived) return { ok: false, error: 'is_inactive' };
        if (!c.botMember) return { ok: false, error: 'channel_not_found' };
        // An ephemeral message is not stored in the channel: chat.update cannot find it.
        const m = messages.find((x) => x.channel === channel && x.ts === String(a['ts']) && !x.ephemeralTo);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(a['text'] ?? m.text);
        if (a['blocks']) m.blocks = a['blocks'] as unknown[];
        m.versions.push({ text: m.text, blocks: m.blocks });
        return { ok: true, channel, ts: m.ts, text: m.text };
      }
      case 'chat.getPermalink':
        if (conv(channel).kind !== 'public' && !conv(channel).botMember) return { ok: false, error: 'channel_not_found' };
        return { ok: true, channel, permalink: `https://fake.slack.test/archives/${channel}/p${String(a['message_ts']).replace('.', '')}` };
      case 'views.open':
      case 'views.push': {
        const t = triggers.get(String(a['trigger_id']));
        if (!t) return { ok: false, error: 'invalid_trigger_id' };
        if (t.used) return { ok: false, error: 'exchanged_trigger_id' };
        if (Date.now() - t.issued > triggerTtl) return { ok: false, error: 'expired_trigger_id' };
        t.used = true;
        const view = a['view'] as Record<string, unknown>;
        const errs = viewErrors(view);
        if (errs.length) return invalid('invalid_arguments', errs);
        // views.open/push: "view_too_large: The view is larger than 250kb".
        if (JSON.stringify(view).length > BLOCK_KIT.viewBytes) return { ok: false, error: 'view_too_large' };
        // views.push: "push_limit_reached: Because of UI constraints, you can only push ... up to 3 views".
        if (method === 'views.push' && (stacks.at(-1)?.length ?? 0) >= BLOCK_KIT.viewStack) return { ok: false, error: 'push_limit_reached' };
        // "duplicate_external_id: The given external_id has already been used".
        if (view && typeof view['external_id'] === 'string' && views.some((v) => v.view['external_id'] === view['external_id'])) return { ok: false, error: 'duplicate_external_id' };
        const id = `V${++seq}`;
        views.push({ id, view, user: null, hash: `h${seq}` });
        if (method === 'views.open' || !stacks.length) stacks.push([id]);
        else stacks.at(-1)!.push(id);
        return { ok: true, view: { ...view, id, hash: `h${seq}` } };
      }
      case 'views.update': {
        // By view_id or by the external_id the app gave the view.
        const v = views.find((x) => (a['view_id'] ? x.id === a['view_id'] : a['external_id'] !== undefined && x.view['external_id'] === a['external_id']));
        if (!v) return { ok: false, error: 'not_found' };
        // "hash_conflict: The provided hash does not match the hash of the current view" (the view changed meanwhile).
        if (a['hash'] !== undefined && a['hash'] !== v.hash) return { ok: false, error: 'hash_conflict' };
        const errs = viewErrors(a['view']);
        if (errs.length) return invalid('invalid_arguments', errs);
        if (JSON.stringify(a['view']).length > BLOCK_KIT.viewBytes) return { ok: false, error: 'view_too_large' };
        // The view keeps the external_id it was opened with unless the update gives another.
        const next = a['view'] as Record<string, unknown>;
        v.view = next['external_id'] === undefined && v.view['external_id'] !== undefined ? { ...next, external_id: v.view['external_id'] } : next;
        v.hash = `h${++seq}`;
        return { ok: true, view: { ...v.view, id: v.id, hash: v.hash } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let responseSeq = 0;

  return {
    url: base,
    apiUrl: `${base}/api/`,
    calls,
    messages,
    responses,
    payloads,
    refused,
    rateLimited,
    lateAcks,
    recordLateAck(body, ms) {
      lateAcks.push({ ms, body });
    },
    dm: (user) => dmOf(user),
    setMembers(channel, users) {
      members.set(channel, new Set(users));
    },
    recordAck(body, ackFor) {
      payloads.push({ via: 'ack', method: 'ack', body });
      const errs = [...blockErrors(body['blocks']), ...(body['view'] ? viewErrors(body['view']) : []), ...textErrors(body), ...loneSurrogates(body), ...(ackFor ? viewAckErrors(body, ackFor.view) : [])];
      if (errs.length) refused.push({ via: 'ack', method: 'ack', error: 'invalid_blocks', errors: errs });
    },
    setConversation(id, c) {
      conversations.set(id, { ...conv(id), ...c });
    },
    conversation: (id) => conv(id),
    views,
    downloads,
    oauthExchanges,
    revokedTokens,
    grantInstall(team, opts = {}) {
      const code = `code-${++seq}`;
      const token = `xoxb-${team.id.toLowerCase()}-${Math.random().toString(16).slice(2, 14)}`;
      grants.set(code, { team, token, orgWide: opts.orgWide ?? false, enterprise: opts.enterprise ?? null });
      tokenTeams.set(token, team.id);
      return { code, token };
    },
    upload(name, content, mimetype) {
      const id = `F${String(++seq).padStart(8, '0')}`;
      const ext = name.split('.').pop() ?? 'text';
      const path = `${base}/files-pri/T0FAKE-${id}/download/${encodeURIComponent(name)}`;
      const file: FakeFile = {
        id, name, mimetype: mimetype ?? (ext === 'json' ? 'application/json' : 'text/plain'), filetype: ext, size: Buffer.byteLength(content),
        url_private: path.replace('/download/', '/'), url_private_download: path,
      };
      files.set(id, { file, content });
      return file;
    },
    acceptSocketMode(url) {
      socketModeUrl = url;
    },
    issueTrigger() {
      const id = `${Date.now()}.${++seq}.fake${Math.random().toString(16).slice(2, 10)}`;
      triggers.set(id, { issued: Date.now(), used: false });
      return id;
    },
    responseUrl: () => {
      const id = String(++responseSeq);
      responseIssued.set(id, Date.now());
      return `${base}/response/${id}`;
    },
    fail(method, fault) {
      faults.set(method, [...(faults.get(method) ?? []), { ...fault }]);
    },
    clearFaults() {
      faults.clear();
    },
    channel: (c) => messages.filter((m) => m.channel === c && !m.threadTs),
    thread: (c, ts) => messages.filter((m) => m.channel === c && m.threadTs === ts),
    async waitFor(find, timeoutMs = 20_000, what = 'condition') {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = find();
        if (v) return v as never;
        if (Date.now() > end) throw new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const len = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);

/** The fallback `text` rule (see the header comment: stricter than Slack, which only warns). */
function textErrors(a: Record<string, unknown>): string[] {
  const blocks = a['blocks'];
  if (Array.isArray(blocks) && blocks.length && (typeof a['text'] !== 'string' || !a['text'].trim())) return ['a top-level text fallback is required when blocks are sent [json-pointer:/text]'];
  return [];
}
