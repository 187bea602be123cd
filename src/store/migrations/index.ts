/** Versioned schema changes, applied in order at open; each runs once, inside a transaction. Never edit a shipped one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'diagnoses, tickets, outbox, installations',
    sql: `
      CREATE TABLE diagnoses (
        id            TEXT PRIMARY KEY,
        card_id       TEXT,
        created_at    TEXT NOT NULL,
        requester     TEXT NOT NULL,
        workspace     TEXT,
        channel       TEXT,
        thread_ts     TEXT,
        kind          TEXT NOT NULL,
        action        TEXT,
        session       TEXT,
        endpoint      TEXT NOT NULL,
        method        TEXT NOT NULL,
        family        INTEGER,
        cause         TEXT NOT NULL,
        duration_ms   INTEGER NOT NULL,
        findings_json TEXT NOT NULL,
        report_json   TEXT NOT NULL
      );
      CREATE INDEX diagnoses_action ON diagnoses(action, created_at);
      CREATE INDEX diagnoses_card ON diagnoses(card_id, created_at);

      CREATE TABLE tickets (
        number           INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key  TEXT NOT NULL UNIQUE,
        diagnosis_id     TEXT NOT NULL REFERENCES diagnoses(id) ON DELETE RESTRICT,
        created_at       TEXT NOT NULL,
        created_by       TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        resolved_by      TEXT,
        resolved_at      TEXT,
        payload_json     TEXT NOT NULL
      );

      CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kind            TEXT NOT NULL,
        dedupe_key      TEXT NOT NULL UNIQUE,
        payload_json    TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at         TEXT,
        last_error      TEXT
      );
      CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);

      CREATE TABLE installations (
        id          TEXT PRIMARY KEY,
        updated_at  TEXT NOT NULL,
        sealed      TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'what a card needs to be re-run after a restart (header names, never their values)',
    sql: `
      ALTER TABLE diagnoses ADD COLUMN input_json TEXT;
      CREATE INDEX diagnoses_message ON diagnoses (channel, thread_ts);
    `,
  },
  {
    version: 3,
    name: '"Re-run in N minutes" kept across restarts (one pending per card)',
    sql: `
      CREATE TABLE scheduled_reruns (
        card_id      TEXT PRIMARY KEY,
        due_at       INTEGER NOT NULL,
        requested_by TEXT NOT NULL,
        label        TEXT NOT NULL,
        created_at   TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'acknowledged work kept until its outcome (claims with leases); re-run later becomes work; uploaded specs per workspace',
    sql: `
      CREATE TABLE work (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done')),
        dedupe_key   TEXT UNIQUE,
        card_id      TEXT,
        card_ts      TEXT,
        workspace    TEXT,
        channel      TEXT,
        requester    TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        due_at       INTEGER NOT NULL,
        step         TEXT,
        claimed_by   TEXT,
        lease_until  INTEGER,
        attempts     INTEGER NOT NULL DEFAULT 0,
        outcome      TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      CREATE INDEX work_open ON work (state, due_at);
      CREATE INDEX work_card ON work (card_id, created_at);
      CREATE INDEX work_requester ON work (requester, created_at);
      CREATE INDEX work_workspace ON work (workspace, created_at);
      INSERT INTO work (id, kind, state, card_id, requester, payload_json, due_at, created_at, updated_at)
        SELECT 'rerun-later:' || card_id || ':' || due_at, 'rerun-later', 'pending', card_id, requested_by, json_object('label', label), due_at, due_at, due_at FROM scheduled_reruns;
      DROP TABLE scheduled_reruns;
      CREATE TABLE uploads (
        workspace  TEXT NOT NULL,
        key        TEXT NOT NULL,
        text       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (workspace, key)
      );
    `,
  },
  {
    version: 5,
    name: 'watches: a stored schedule per action (or all), claimed per due time, with the last verdicts seen',
    sql: `
      CREATE TABLE watches (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace     TEXT NOT NULL,
        channel       TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        target        TEXT NOT NULL,
        every_ms      INTEGER NOT NULL,
        next_due_at   INTEGER NOT NULL,
        claim_token   TEXT,
        claimed_until INTEGER,
        state_json    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        stopped_at    TEXT
      );
      CREATE UNIQUE INDEX watches_active ON watches (workspace, channel, lower(target)) WHERE stopped_at IS NULL;
      CREATE INDEX watches_due ON watches (stopped_at, next_due_at);
    `,
  },
  {
    version: 6,
    // PostgreSQL's version 6 also gives its watches table the indexes SQLite's got in version 5.
    name: 'runs of a card looked up by card and kind, and when each showed its verdict (one run per card: a double click starts one); audits and watch runs weigh their diagnoses',
    sql: `
      CREATE INDEX work_card_kind ON work (card_id, kind, state);
      ALTER TABLE work ADD COLUMN units INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE work ADD COLUMN verdict_at INTEGER;
      ALTER TABLE work ADD COLUMN started_at INTEGER;
    `,
  },
  {
    version: 7,
    name: 'what a running work row holds (a user\'s diagnosis of one endpoint, a workspace\'s audit): one holder at a time, across instances',
    sql: `
      ALTER TABLE work ADD COLUMN holds TEXT;
      CREATE INDEX work_holds ON work (holds) WHERE holds IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'an outbox message Slack refused for good (its payload, its channel) is dead: kept with its error, never sent again',
    sql: `
      ALTER TABLE outbox ADD COLUMN dead_at TEXT;
    `,
  },
];
