import type { Store } from './store.js';
import { SqliteStore } from './sqlite-store.js';

/** The engine chosen at start: PostgreSQL when DATABASE_URL is set (several instances), otherwise one SQLite file. */
export async function openStore(settings: { DATABASE_URL?: string | undefined; DATABASE_PATH: string }): Promise<Store> {
  if (!settings.DATABASE_URL) return new SqliteStore(settings.DATABASE_PATH);
  // Loaded only when used: a SQLite deployment does not pay for the driver at start.
  const { PgStore } = await import('./pg-store.js');
  return PgStore.open(settings.DATABASE_URL);
}
