import { createHmac } from 'node:crypto';
import type { FakeFile, FakeSlack } from './server.js';

/** Slack's deadline for acknowledging a command, a click, a submission or an event. */
export const ACK_DEADLINE_MS = 3000;

export interface Delivery {
  /** Acked after ACK_DEADLINE_MS: Slack discarded the answer and showed the user an error. */
  late?: boolean;
  status: number;
  body: string;
  json: Record<string, unknown> | null;
  ms: number;
  responseUrl: string | null;
}

export interface Who {
  user?: string;
  channel?: string;
  team?: string;
  /** The Enterprise Grid org of the workspace; the app is installed org-wide there unless `orgWide` is false. */
  enterprise?: string;
  /** false: the app is installed in this workspace only (Slack still names the org: enterprise_id). */
  orgWide?: boolean;
}

/** Slack's v0 request signature: HMAC-SHA256 over "v0:<ts>:<raw body>" with the signing secret. */
export function sign(secret: string, ts: number, body: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
}

/**
 * Text as Slack delivers what a user typed: `&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;` (Slack does this for
 * slash commands and events alike), except in the markup Slack itself wrote: links `<https://…|…>`, user, channel
 * and special mentions. A test that passes `<https://x>` means a link Slack formatted.
 */
export function slackEncode(typed: string): string {
  const parts = typed.split(/(<(?:https?:\/\/|mailto:|@|#|!)[^<>\s]*>)/);
  return parts.map((p, i) => (i % 2 ? p : p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))).join('');
}

/** Sends signed slash commands, button clicks, modal submissions and events to the app, as Slack does. */
export class SlackDriver {
  constructor(
    private readonly appUrl: string,
    private readonly secret: string,
    private readonly slack: FakeSlack,
  ) {}

  /** The headers Slack sends with a delivery, signed now. */
  signedHeaders(body: string, contentType: string, headers: Record<string, string> = {}, tsOverride?: number): Record<string, string> {
    const ts = tsOverride ?? Math.floor(Date.now() / 1000);
    return { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(this.secret, ts, body), ...headers };
  }

  /** The app's request URL (where Slack delivers commands, interactions and events). */
  get eventsUrl(): string {
    return `${this.appUrl}/slack/events`;
  }

  /** `ackFor`: the view a submission came from, so the fake can hold a `response_action: errors` ack to it. */
  async post(body: string, contentType: string, headers: Record<string, string> = {}, tsOverride?: number, ackFor?: { view: Record<string, unknown> }): Promise<Delivery> {
    const signed = this.signedHeaders(body, contentType, headers, tsOverride);
    const t0 = performance.now();
    const res = await fetch(this.eventsUrl, { method: 'POST', headers: signed, body });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const ms = performance.now() - t0;
    // Slack waits 3 s for the ack ("Your app must respond within 3 seconds"), then shows the user operation_timeout and
    // discards whatever comes later: a late ack is recorded as late, never as shown.
    if (ms > ACK_DEADLINE_MS) this.slack.recordLateAck(json ?? { text }, ms);
    // An ack's body is shown to the user (a command's immediate answer, a view's errors): Slack checks it too.
    else if (json || text) this.slack.recordAck(json ?? { text }, ackFor);
    return { status: res.status, body: text, json, ms, responseUrl: null, late: ms > ACK_DEADLINE_MS };
  }

  async command(text: string, who: Who = {}, headers: Record<string, string> = {}): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    const { form, responseUrl, triggerId } = this.commandForm(text, who);
    const d = await this.post(form, 'application/x-www-form-urlencoded', headers);
    return { ...d, responseUrl, triggerId };
  }

  /** The form body of a slash command, as Slack encodes it, without sending it. */
  commandForm(text: string, who: Who = {}): { form: string; responseUrl: string; triggerId: string } {
    const responseUrl = this.slack.responseUrl();
    const triggerId = this.slack.issueTrigger();
    const form = new URLSearchParams({
      token: 'deprecated', team_id: who.team ?? 'T0FAKE', team_domain: 'fake', channel_id: who.channel ?? 'C0DEBUG', channel_name: 'support-eng',
      user_id: who.user ?? 'U0ALICE', user_name: 'alice', command: '/action-debug', text: slackEncode(text), api_app_id: 'A0APP',
      ...(who.enterprise ? { enterprise_id: who.enterprise, enterprise_name: 'Org', is_enterprise_install: who.orgWide === false ? 'false' : 'true' } : { is_enterprise_install: 'false' }),
      response_url: responseUrl, trigger_id: triggerId,
    }).toString();
    return { form, responseUrl, triggerId };
  }

  async click(message: { channel: string; ts: string }, actionId: string, value: string, who: Who = {}): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    const { payload, responseUrl, triggerId } = this.clickPayload(message, actionId, value, who);
    const d = await this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return { ...d, responseUrl, triggerId };
  }

  /** The block_actions payload Slack sends when a user clicks a button, without sending it. */
  clickPayload(message: { channel: string; ts: string }, actionId: string, value: string, who: Who = {}): { payload: Record<string, unknown>; responseUrl: string; triggerId: string } {
    // Slack sends the clicked button's own label back; find it on the message the user sees (any thread reply too).
    const shown = this.slack.messages.filter((m) => m.channel === message.channel && (m.ts === message.ts || m.threadTs === message.ts));
    const label = shown.map((m) => findButton(m.blocks, actionId, value)).find(Boolean) ?? actionId;
    const triggerId = this.slack.issueTrigger();
    const responseUrl = this.slack.responseUrl();
    const payload = {
      type: 'block_actions', team: { id: who.team ?? 'T0FAKE', domain: 'fake' }, user: { id: who.user ?? 'U0ALICE', username: 'alice', team_id: who.team ?? 'T0FAKE' },
      api_app_id: 'A0APP', token: 'deprecated', trigger_id: triggerId, response_url: responseUrl,
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      channel: { id: message.channel, name: 'support-eng' }, message: { type: 'message', ts: message.ts, text: '' },
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: label } }],
    };
    return { payload, responseUrl, triggerId };
  }

  async submitView(view: { id: string; callback_id: string; private_metadata?: string }, values: Record<string, Record<string, unknown>>, who: Who = {}): Promise<Delivery> {
    // Slack sends the submitted view whole, its blocks included, as it opened it.
    const opened = this.slack.views.find((v) => v.id === view.id)?.view;
    const payload = {
      type: 'view_submission', team: { id: who.team ?? 'T0FAKE', domain: 'fake' }, user: { id: who.user ?? 'U0ALICE', name: 'alice', team_id: who.team ?? 'T0FAKE' },
      api_app_id: 'A0APP', token: 'deprecated', trigger_id: this.slack.issueTrigger(),
      view: { id: view.id, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata ?? '', team_id: who.team ?? 'T0FAKE', hash: 'h', ...(opened ? { blocks: opened['blocks'] } : {}), state: { values } },
    };
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', {}, undefined, opened ? { view: opened } : undefined);
  }

  /** `@action-debug <text>`, optionally with files attached to the same message (Slack puts them on the app_mention event). */
  async mention(text: string, where: { channel: string; threadTs?: string }, who: Who = {}, headers: Record<string, string> = {}, files?: FakeFile[], eventId?: string): Promise<Delivery> {
    const body = JSON.stringify({
      token: 'deprecated', team_id: who.team ?? 'T0FAKE', api_app_id: 'A0APP', type: 'event_callback', event_id: eventId ?? `Ev${Date.now()}${Math.random().toString(16).slice(2, 6)}`, event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: who.team ?? 'T0FAKE', user_id: 'U0BOT', is_bot: true }],
      event: { type: 'app_mention', user: who.user ?? 'U0ALICE', text: `<@U0BOT> ${slackEncode(text)}`, ...(files?.length ? { files, upload: false } : {}), ts: `${Date.now() / 1000}`, channel: where.channel, ...(where.threadTs ? { thread_ts: where.threadTs } : {}), event_ts: `${Date.now() / 1000}` },
    });
    return this.post(body, 'application/json', headers);
  }

  /** A user shares a file in a channel or thread: the `message` event with subtype file_share. */
  async shareFile(file: FakeFile, where: { channel: string; threadTs?: string }, who: Who = {}, text = ''): Promise<Delivery> {
    const ts = `${Date.now() / 1000}`;
    const body = JSON.stringify({
      token: 'deprecated', team_id: who.team ?? 'T0FAKE', api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${Date.now()}${Math.random().toString(16).slice(2, 6)}`, event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: who.team ?? 'T0FAKE', user_id: 'U0BOT', is_bot: true }],
      event: {
        type: 'message', subtype: 'file_share', user: who.user ?? 'U0ALICE', text: slackEncode(text), ts, channel: where.channel, channel_type: 'channel', event_ts: ts,
        ...(where.threadTs ? { thread_ts: where.threadTs } : {}), files: [file], upload: true, display_as_bot: false,
      },
    });
    return this.post(body, 'application/json');
  }
}

function findButton(blocks: unknown, actionId: string, value: string): string | undefined {
  const stack: unknown[] = [blocks];
  while (stack.length) {
    const b = stack.pop();
    if (Array.isArray(b)) stack.push(...b);
    else if (b && typeof b === 'object') {
      const o = b as Record<string, unknown>;
      if (o['type'] === 'button' && o['action_id'] === actionId && o['value'] === value) return (o['text'] as { text?: string } | undefined)?.text;
      stack.push(...Object.values(o));
    }
  }
  return undefined;
}
