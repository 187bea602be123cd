import bolt from '@slack/bolt';
import type { InstallationStore, webApi } from '@slack/bolt';
import type { SlackSettings } from './settings.js';
import { installationQuery } from './workspace.js';
import { slackSendBoundary } from './send-boundary.js';
import type { Logger } from '../log.js';

type WebClient = webApi.WebClient;

/**
 * How the app's own Web API calls are made: our bounded retries decide, the client's default would retry for 30 minutes.
 * `fetch` is the send boundary (send-boundary.ts): every message, and Bolt's respond (it uses the App's
 * clientOptions.fetch), is held to what Slack accepts there.
 */
export function slackClientOptions(settings: Pick<SlackSettings, 'SLACK_API_URL'>, log?: Logger) {
  return { slackApiUrl: settings.SLACK_API_URL, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, fetch: slackSendBoundary(globalThis.fetch, settings.SLACK_API_URL, log) };
}

/**
 * A Web API client for a workspace, for work that runs outside a Slack request (the outbox after a restart): the one
 * bot token, or the token of that workspace's installation when the app is installed through OAuth (`team` is a
 * workspace key: see workspace.ts).
 */
export function teamClients(settings: SlackSettings, installations?: InstallationStore, log?: Logger): (team: string | undefined) => Promise<WebClient> {
  const options = slackClientOptions(settings, log);
  if (settings.SLACK_BOT_TOKEN) {
    const one = new bolt.webApi.WebClient(settings.SLACK_BOT_TOKEN, options);
    return async () => one;
  }
  const byToken = new Map<string, WebClient>();
  return async (team) => {
    if (!team) throw new Error('this message names no workspace, and the app is installed in several');
    if (!installations) throw new Error('no installation store');
    const token = (await installations.fetchInstallation(installationQuery(team))).bot?.token;
    if (!token) throw new Error(`the installation for ${team} has no bot token`);
    let client = byToken.get(token);
    if (!client) byToken.set(token, (client = new bolt.webApi.WebClient(token, options)));
    return client;
  };
}
