import bolt from '@slack/bolt';
import type { InstallationStore, webApi } from '@slack/bolt';
import type { SlackSettings } from './settings.js';
import { installationQuery } from './workspace.js';

type WebClient = webApi.WebClient;

/** How the app's own Web API calls are made: our bounded retries decide, the client's default would retry for 30 minutes. */
export function slackClientOptions(settings: Pick<SlackSettings, 'SLACK_API_URL'>) {
  return { slackApiUrl: settings.SLACK_API_URL, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 };
}

/**
 * A Web API client for a workspace, for work that runs outside a Slack request (the outbox after a restart): the one
 * bot token, or the token of that workspace's installation when the app is installed through OAuth (`team` is a
 * workspace key: see workspace.ts).
 */
export function teamClients(settings: SlackSettings, installations?: InstallationStore): (team: string | undefined) => Promise<WebClient> {
  const options = slackClientOptions(settings);
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
