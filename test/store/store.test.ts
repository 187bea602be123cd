import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { StoreError } from '../../src/store/db.js';
import { SqliteInstallationStore } from '../../src/store/installations.js';
import type { Report } from '../../src/pipeline/report.js';
import type { TicketDraft } from '../../src/render/ticket.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'ad-store-')), 'data', 'test.db');

export function fakeReport(id: string, family: 1 | 2 | 3 | 4 | 5 | null, cause: string, at = new Date().toISOString(), action = 'Look up order'): Report {
  return {
    schemaVersion: 2, tool: 'action-debug', id, startedAt: at, durationMs: 10,
    input: { endpoint: 'https://api.example.test/orders/{id}', method: 'GET', action, session: 'ses_1', headers: { Authorization: 'Bearer <20 chars>' }, spec: null, timeoutMs: 60000 },
    verdict: { family, familyTitle: family ? 'x' : null, cause, title: cause, fix: 'fix it', alsoFound: [], next: null, evidence: [], followUps: [] },
    findings: [], probes: [], checked: [],
  };
}

const draft = (diagnosisId: string): TicketDraft => ({
  createdBy: 'U1', diagnosisId, action: 'Look up order', session: 'ses_1', endpoint: 'https://api.example.test/orders/{id}', method: 'GET', family: 2, familyTitle: 'x',
  cause: 'auth-rejected', title: 't', fix: 'f', evidence: ['e'], alsoFound: [], tried: [], firstFailureAt: null, threadLink: null, expected: 'x', impact: 'y', urgency: 'high',
});

test('migrations run from empty and are idempotent on reopen (WAL, foreign keys)', async () => {
  const path = tmp();
  const a = new SqliteStore(path);
  assert.equal(a.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(a.db.pragma('foreign_keys', { simple: true }), 1);
  await a.close();
  const b = new SqliteStore(path);
  assert.deepEqual(b.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
  await b.close();
});

test('a database from version 1 is upgraded in place, its rows kept', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ad-store-')), 'v1.db');
  const old = new Database(path);
  old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  old.exec(MIGRATIONS[0]!.sql);
  old.prepare("INSERT INTO schema_migrations VALUES (1, 'v1', '2026-01-01')").run();
  old.prepare(`INSERT INTO diagnoses (id, card_id, created_at, requester, kind, endpoint, method, cause, duration_ms, findings_json, report_json)
    VALUES ('d1', 'c1', '2026-01-01T00:00:00Z', 'U1', 'first', 'https://a.example/x', 'GET', 'none', 5, '[]', '{}')`).run();
  old.close();
  const s = new SqliteStore(path);
  assert.deepEqual(s.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
  const rows = await s.cardDiagnoses('c1');
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.input, undefined, 'rows from before the upgrade have no stored input');
  await s.close();
});

test('a ticket is created once per key, with its outbox messages in the same transaction', async () => {
  const s = new SqliteStore(tmp());
  await s.saveDiagnosis({ id: 'd1', cardId: 'c1', createdAt: new Date().toISOString(), requester: 'U1', workspace: 'T', channel: 'C', threadTs: '1.1', kind: 'first', report: fakeReport('d1', 2, 'auth-rejected') });
  const announce = () => [{ kind: 'webhook', dedupeKey: 'ticket:1:webhook', payload: { url: 'https://x', body: {} } }];
  const first = await s.createTicket('card:c1', draft('d1'), announce);
  const second = await s.createTicket('card:c1', draft('d1'), announce);
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.ticket.number, first.ticket.number);
  assert.equal((s.db.prepare('SELECT count(*) n FROM tickets').get() as { n: number }).n, 1);
  assert.equal(await s.pendingCount(), 1);
  await s.close();
});

test('history marks when the verdict changed: broken since, fixed since', async () => {
  const s = new SqliteStore(tmp());
  const t0 = Date.parse('2026-11-20T10:00:00Z');
  const save = async (id: string, fam: 2 | null, cause: string, h: number) =>
    await s.saveDiagnosis({ id, cardId: 'c', createdAt: new Date(t0 + h * 3600_000).toISOString(), requester: 'U1', workspace: 'T', channel: 'C', threadTs: null, kind: 'first', report: fakeReport(id, fam, cause, new Date(t0 + h * 3600_000).toISOString()) });
  await save('a', null, 'none', 0);
  await save('b', 2, 'auth-rejected', 1);
  await save('c', 2, 'auth-rejected', 2);
  await save('d', null, 'none', 3);
  const h = await s.history('look up order', 10);
  assert.deepEqual(h.map((x) => [x.cause, x.change]), [['none', 'fixed'], ['auth-rejected', null], ['auth-rejected', 'broken'], ['none', null]]);
  await s.close();
});

test('retention deletes old diagnoses but keeps the ones a ticket needs', async () => {
  const s = new SqliteStore(tmp());
  const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
  for (const id of ['old1', 'old2']) await s.saveDiagnosis({ id, cardId: id, createdAt: old, requester: 'U', workspace: null, channel: null, threadTs: null, kind: 'cli', report: fakeReport(id, 3, 'rate-limited') });
  await s.createTicket('k', draft('old2'), () => []);
  assert.equal(await s.purgeOlderThan(90), 1);
  assert.equal(await s.diagnosis('old1'), null);
  assert.ok(await s.diagnosis('old2'));
  await s.close();
});

test('a full disk: a clear error and no half-written ticket (nothing in tickets, nothing in the outbox)', async () => {
  const s = new SqliteStore(tmp());
  await s.saveDiagnosis({ id: 'd', cardId: 'c', createdAt: new Date().toISOString(), requester: 'U', workspace: null, channel: null, threadTs: null, kind: 'cli', report: fakeReport('d', 3, 'x') });
  const pages = s.db.pragma('page_count', { simple: true }) as number;
  s.db.pragma(`max_page_count = ${pages}`);
  const big = 'x'.repeat(200_000);
  await assert.rejects(
    () => s.createTicket('k', { ...draft('d'), impact: big }, () => [{ kind: 'webhook', dedupeKey: 'w', payload: { big } }]),
    (err: unknown) => err instanceof StoreError && /disk is full/.test(err.message) && /Nothing was half-written/.test(err.message),
  );
  assert.equal((s.db.prepare('SELECT count(*) n FROM tickets').get() as { n: number }).n, 0);
  assert.equal(await s.pendingCount(), 0);
  await s.close();
});

test('a read-only database: a clear error', async () => {
  const path = tmp();
  await new SqliteStore(path).close();
  const ro = new SqliteStore(path, { readonly: true });
  await assert.rejects(() => ro.saveDiagnosis({ id: 'd', cardId: null, createdAt: new Date().toISOString(), requester: 'U', workspace: null, channel: null, threadTs: null, kind: 'cli', report: fakeReport('d', null, 'none') }), /read-only/);
  await ro.close();
});

test('Slack installations are sealed at rest: the file never holds the token', async () => {
  const path = tmp();
  const s = new SqliteStore(path);
  const inst = new SqliteInstallationStore(s, 'a-long-enough-encryption-key');
  const token = 'xoxb-planted-installation-token-9f8e7d';
  await inst.storeInstallation({ team: { id: 'T1' }, enterprise: undefined, user: { id: 'U1', token: undefined, scopes: undefined }, bot: { token, scopes: ['commands'], id: 'B1', userId: 'U0' }, isEnterpriseInstall: false } as never);
  const back = await inst.fetchInstallation({ teamId: 'T1', isEnterpriseInstall: false, enterpriseId: undefined });
  assert.equal(back.bot?.token, token);
  s.db.pragma('wal_checkpoint(TRUNCATE)');
  await s.close();
  assert.ok(!readFileSync(path).includes(token));
  await assert.rejects(new SqliteInstallationStore(new SqliteStore(path), 'another-key-entirely!!').fetchInstallation({ teamId: 'T1', isEnterpriseInstall: false, enterpriseId: undefined }));
});
