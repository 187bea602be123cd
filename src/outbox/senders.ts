import type { webApi } from '@slack/bolt';
import { request } from 'undici';
import type { Sender } from './worker.js';

/** The outbox's message kinds and how each is delivered. */
export interface SlackPost { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }
export interface SlackUpdate { channel: string; ts: string; text: string; blocks?: unknown[] }
export interface WebhookPost { url: string; body: unknown }

export function slackSenders(client: webApi.WebClient): Record<string, Sender> {
  return {
    'slack.post': async (p: SlackPost) => void (await client.chat.postMessage(p as never)),
    'slack.update': async (p: SlackUpdate) => void (await client.chat.update(p as never)),
  };
}

/** POSTs the ticket JSON to the helpdesk webhook; any 2xx counts as delivered. */
export const webhookSender: Sender = async (p: WebhookPost) => {
  const res = await request(p.url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'action-debug' }, body: JSON.stringify(p.body), headersTimeout: 10_000, bodyTimeout: 10_000 });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`webhook answered ${res.statusCode}`);
};
