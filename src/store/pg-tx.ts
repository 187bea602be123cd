import type pg from 'pg';
import { StoreError } from './db.js';

/** A PostgreSQL failure the user can act on, never a raw driver stack (and never the connection string). */
export function explainPgError(err: unknown, doing: string): StoreError {
  const code = (err as { code?: string }).code ?? null;
  const why: Record<string, string> = {
    '53100': 'the database disk is full', '53200': 'the database server is out of memory', '25006': 'the database is read-only',
    '57P01': 'the database server is shutting down', '28P01': 'the database refused the password', '3D000': 'the database does not exist',
    ECONNREFUSED: 'the database server refused the connection', ENOTFOUND: 'the database host is unknown',
  };
  // Never the driver's own text: it can quote a value (22P02 echoes the input), which is not the requester's to read.
  const reason = (code && (why[code] ?? (code.startsWith('08') ? 'the connection to the database failed' : null))) ?? `the database reported an error (${code ?? 'no code'})`;
  return new StoreError(`${doing} failed: ${reason}. Nothing was half-written.`, code);
}

/** One transaction on a pooled connection: committed when `fn` resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/** Adds an outbox message inside the caller's transaction (or on the pool); a dedupe key already queued adds nothing. */
export async function enqueueOutbox(q: Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>, m: { kind: string; dedupeKey: string; payload: unknown }, now = Date.now()): Promise<void> {
  await q.query('INSERT INTO outbox (kind, dedupe_key, payload_json, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING', [m.kind, m.dedupeKey, JSON.stringify(m.payload), new Date(now).toISOString(), now]);
}
