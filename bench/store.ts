/**
 * Issue 24: tickets created per second and outbox deliveries per second, on SQLite (one instance) and on PostgreSQL (one
 * and two instances), side by side. An "instance" here is what one app process holds: its own store (a connection pool
 * for PostgreSQL) and its own outbox worker; the two run concurrently against one database. Deliveries go to a sender
 * that only counts (the figure is the store's claim/mark cost, not Slack's latency), and every message must be
 * delivered exactly once or the run fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Store } from '../src/store/store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { PgStore } from '../src/store/pg-store.js';
import { OutboxWorker } from '../src/outbox/worker.js';
import type { Report } from '../src/pipeline/report.js';
import type { TicketDraft } from '../src/pipeline/ticket.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { printTable } from './table.js';

const TICKETS = 600;
const MESSAGES = 3000;

const report = (id: string): Report => ({
  schemaVersion: 2, tool: 'action-debug', id, startedAt: new Date().toISOString(), durationMs: 10,
  input: { endpoint: 'https://api.example.test/orders/{id}', method: 'GET', action: 'Look up order', session: 'ses_1', headers: {}, spec: null, timeoutMs: 60000 },
  verdict: { family: 2, familyTitle: 'x', cause: 'auth-rejected', title: 't', fix: 'f', alsoFound: [], next: null, evidence: [], followUps: [] }, findings: [], probes: [], checked: [],
});
const draft = (diagnosisId: string): TicketDraft => ({
  createdBy: 'U1', diagnosisId, action: 'Look up order', session: 'ses_1', endpoint: 'https://api.example.test/orders/{id}', method: 'GET', family: 2, familyTitle: 'x',
  cause: 'auth-rejected', title: 't', fix: 'f', evidence: ['e'], alsoFound: [], tried: [], firstFailureAt: null, threadLink: null, expected: 'x', impact: 'y', urgency: 'high',
});

/** Tickets (each with its three announcing messages, as Escalate commits them) created by every instance at once. */
async function tickets(stores: Store[], label: string): Promise<number> {
  const tag = label.replace(/\W+/g, '');
  const per = Math.ceil(TICKETS / stores.length);
  for (const [i, s] of stores.entries()) for (let n = 0; n < per; n++) await s.saveDiagnosis({ id: `${tag}-d${i}-${n}`, cardId: `${tag}-c${i}-${n}`, createdAt: new Date().toISOString(), requester: 'U1', workspace: 'T1', channel: 'C1', threadTs: '1.1', kind: 'first', report: report(`${tag}-d${i}-${n}`) });
  const t0 = performance.now();
  await Promise.all(stores.map(async (s, i) => {
    const limit = pLimit(8); // requests an instance serves at once
    await Promise.all([...Array(per)].map((_, n) => limit(() => s.createTicket(`${tag}:card:${i}-${n}`, draft(`${tag}-d${i}-${n}`), (t) => ['support', 'card', 'thread'].map((w) => ({ kind: 'noop', dedupeKey: `${tag}:ticket:${t.number}:${w}`, payload: { n: t.number } }))))));
  }));
  return (per * stores.length) / ((performance.now() - t0) / 1000);
}

/** The outbox drained by one worker per instance, all at once; fails if any message is delivered twice or not at all. */
async function deliveries(stores: Store[], label: string): Promise<number> {
  const tag = label.replace(/\W+/g, '');
  for (let i = 0; i < MESSAGES; i++) await stores[0]!.enqueue({ kind: 'noop', dedupeKey: `${tag}:m${i}`, payload: { i } });
  const seen = new Map<number, number>();
  const t0 = performance.now();
  const workers = stores.map((store) => new OutboxWorker({ store, senders: { noop: async (p: { i: number }) => void seen.set(p.i, (seen.get(p.i) ?? 0) + 1) }, pollMs: 5 }));
  while ((await stores[0]!.pendingCount()) > 0) await Promise.all(workers.map((w) => w.kick()));
  const s = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.stop()));
  const twice = [...seen.values()].filter((n) => n > 1).length;
  if (seen.size !== MESSAGES || twice) throw new Error(`${tag}: ${seen.size}/${MESSAGES} delivered, ${twice} twice`);
  return MESSAGES / s;
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ad-bench-store-'));
  let files = 0;
  // Each figure on a fresh database, so the tickets' messages are not in the deliveries' outbox.
  const measure = async (label: string, open: () => Promise<Store[]>) => {
    const a = await open();
    const t = await tickets(a, label);
    await Promise.all(a.map((s) => s.close()));
    const b = await open();
    const d = await deliveries(b, label);
    await Promise.all(b.map((s) => s.close()));
    rows.push([label, Math.round(t), Math.round(d)]);
  };
  await measure('SQLite, 1 instance', async () => [new SqliteStore(join(dir, `${++files}.db`))]);
  const cluster = await startPgCluster();
  if ('skip' in cluster) {
    rows.push(['PostgreSQL', `skipped: ${cluster.skip}`, '']);
  } else {
    try {
      for (const n of [1, 2]) {
        await measure(`PostgreSQL, ${n} instance${n > 1 ? 's' : ''}`, async () => {
          const url = await cluster.createDatabase(`bench${++files}`);
          return Promise.all([...Array(n)].map(() => PgStore.open(url)));
        });
      }
    } finally {
      await cluster.stop();
    }
  }
  printTable(`Store throughput: ${TICKETS} tickets (each with 3 outbox messages), ${MESSAGES} outbox deliveries (each exactly once)`, ['engine', 'tickets/s', 'deliveries/s'], rows);
  process.stdout.write('PostgreSQL here is a local throwaway cluster with fsync off (its test setting); SQLite runs with synchronous=NORMAL.\n');
}
