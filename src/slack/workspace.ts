import type { InstallationQuery } from '@slack/bolt';

/**
 * Which installation serves a workspace, as one string kept on cards, outbox messages and stored diagnoses: the team ID
 * (`T0123`), or `E0456/T0123` for a team of an Enterprise Grid org where the app was installed org-wide, whose token is
 * filed under the enterprise. Work that runs outside a Slack request (outbox posts, scheduled re-runs) finds its token
 * from this alone.
 */
export function workspaceKey(team: string | undefined, enterprise?: string | null, isEnterpriseInstall?: boolean | string): string {
  const orgWide = isEnterpriseInstall === true || isEnterpriseInstall === 'true';
  return orgWide && enterprise ? `${enterprise}/${team ?? ''}` : (team ?? '');
}

export function installationQuery(key: string): InstallationQuery<boolean> {
  const [a, b] = key.split('/');
  return b !== undefined
    ? { enterpriseId: a, teamId: b || undefined, isEnterpriseInstall: true }
    : { enterpriseId: undefined, teamId: a, isEnterpriseInstall: false };
}

/** The team ID in a workspace key (settings such as SUPPORT_CHANNEL_ID name teams). */
export function teamOf(key: string | undefined): string | undefined {
  return key?.split('/').at(-1) || undefined;
}
