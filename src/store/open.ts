import type { Store } from './store.js';
import { SqliteStore } from './sqlite-store.js';
import { PgStore } from './pg-store.js';

/** The engine chosen at start: PostgreSQL when DATABASE_URL is set (several instances), otherwise one SQLite file. */
export async function openStore(settings: { DATABASE_URL?: string | undefined; DATABASE_PATH: string }): Promise<Store> {
  return settings.DATABASE_URL ? PgStore.open(settings.DATABASE_URL) : new SqliteStore(settings.DATABASE_PATH);
}
