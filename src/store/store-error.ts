import { explainSqliteError, StoreError } from './db.js';
import { explainPgError } from './pg-tx.js';

/**
 * A database failure as a StoreError, worded for the requester, whatever threw it: our own StoreError, or either
 * driver's error where a store method passed it on unexplained (better-sqlite3's SqliteError, code SQLITE_*; a
 * PostgreSQL server error, a five-character SQLSTATE with a severity). Null for anything that is not the database's.
 */
export function asStoreError(err: unknown): StoreError | null {
  if (err instanceof StoreError) return err;
  const e = err as { code?: unknown; severity?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : null;
  if (code?.startsWith('SQLITE_')) return explainSqliteError(err, 'Reaching the database');
  if (code && /^[0-9A-Z]{5}$/.test(code) && typeof e?.severity === 'string') return explainPgError(err, 'Reaching the database');
  return null;
}
