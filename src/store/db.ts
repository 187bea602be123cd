import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/** A storage failure the user can act on ("the disk is full"), never a raw SQLite stack. */
export class StoreError extends Error {
  constructor(message: string, readonly code: string | null) {
    super(message);
  }
}

export function explainSqliteError(err: unknown, doing: string): StoreError {
  const code = (err as { code?: string }).code ?? null;
  const why: Record<string, string> = {
    SQLITE_FULL: 'the database disk is full',
    SQLITE_READONLY: 'the database is read-only',
    SQLITE_CANTOPEN: 'the database file cannot be opened',
    SQLITE_BUSY: 'the database is busy (another process holds it)',
    SQLITE_IOERR: 'the disk reported an I/O error',
    SQLITE_CORRUPT: 'the database file is damaged',
  };
  // Never the driver's own text: it can quote SQL or a value, which is not the requester's to read.
  const reason = Object.entries(why).find(([k]) => code?.startsWith(k))?.[1] ?? `the database reported an error (${code ?? 'no code'})`;
  return new StoreError(`${doing} failed: ${reason}. Nothing was half-written.`, code);
}

/** Opens (creating the folder), turns on WAL and foreign keys, and brings the schema to the latest version. */
export function openDb(path: string, opts: { readonly?: boolean } = {}): Db {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw explainSqliteError(err, `Opening ${path}`);
  }
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  }
  return db;
}

export function migrate(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      insert.run(m.version, m.name, new Date().toISOString());
    })();
  }
  return Math.max(0, ...MIGRATIONS.map((m) => m.version));
}
