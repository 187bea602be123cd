import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Store } from './store.js';

/**
 * Slack installations for the OAuth flow (many workspaces). Tokens are needed to talk to Slack, so they are kept, but
 * sealed with AES-256-GCM under INSTALLATION_ENCRYPTION_KEY: the database file alone never holds a usable token.
 */
export class SqliteInstallationStore implements InstallationStore {
  readonly #key: Buffer;

  constructor(private readonly store: Store, secret: string) {
    if (secret.length < 16) throw new Error('INSTALLATION_ENCRYPTION_KEY must be at least 16 characters');
    this.#key = createHash('sha256').update(secret).digest();
  }

  async storeInstallation(installation: Installation): Promise<void> {
    await this.store.putSealedInstallation(idOf(installation.isEnterpriseInstall, installation.enterprise?.id, installation.team?.id), this.seal(JSON.stringify(installation)));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const sealed = await this.store.getSealedInstallation(idOf(query.isEnterpriseInstall, query.enterpriseId, query.teamId));
    if (!sealed) throw new Error(`no installation for ${query.isEnterpriseInstall ? query.enterpriseId : query.teamId}`);
    return JSON.parse(this.open(sealed)) as Installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.store.deleteInstallation(idOf(query.isEnterpriseInstall, query.enterpriseId, query.teamId));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [iv, c.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  open(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
    const d = createDecipheriv('aes-256-gcm', this.#key, iv!);
    d.setAuthTag(tag!);
    return Buffer.concat([d.update(body!), d.final()]).toString('utf8');
  }
}

/** Org-wide installs are keyed by enterprise, others by team. */
function idOf(enterprise: boolean | undefined, enterpriseId: string | undefined, teamId: string | undefined): string {
  return enterprise ? `E:${enterpriseId}` : `T:${teamId}`;
}
