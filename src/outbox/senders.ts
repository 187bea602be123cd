import type { webApi } from '@slack/bolt';
import { request } from 'undici';
import type { Sender } from './worker.js';

/** The outbox's message kinds and how each is delivered. `team` picks the workspace's token and is not sent to Slack. */
export interface SlackPost { channel: string; text: string; blocks?: unknown[]; thread_ts?: string; team?: string }
export interface SlackUpdate { channel: string; ts: string; text: string; blocks?: unknown[]; team?: string }
export interface WebhookPost { url: string; body: unknown }

type WebClient = webApi.WebClient;

export function slackSenders(clients: WebClient | ((team: string | undefined) => Promise<WebClient>)): Record<string, Sender> {
  const clientFor = typeof clients === 'function' ? clients : async () => clients;
  return {
    'slack.post': async ({ team, ...p }: SlackPost) => void (await (await clientFor(team)).chat.postMessage(p as never)),
    'slack.update': async ({ team, ...p }: SlackUpdate) => void (await (await clientFor(team)).chat.update(p as never)),
  };
}

/** POSTs the ticket JSON to the helpdesk webhook; any 2xx counts as delivered. */
export const webhookSender: Sender = async (p: WebhookPost) => {
  const res = await request(p.url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'action-debug' }, body: JSON.stringify(p.body), headersTimeout: 10_000, bodyTimeout: 10_000 });
  await res.body.dump();
  // A 4xx other than 408/429 says the request itself is wrong: sending it again gets the same answer.
  if (res.statusCode < 200 || res.statusCode >= 300) throw Object.assign(new Error(`webhook answered ${res.statusCode}`), { permanent: res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429 });
};
