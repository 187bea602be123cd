import type { Report } from '../pipeline/report.js';
import type { Ticket, TicketDraft } from '../pipeline/ticket.js';

export interface DiagnosisRow {
  id: string;
  cardId: string | null;
  createdAt: string;
  requester: string;
  workspace: string | null;
  channel: string | null;
  threadTs: string | null;
  kind: 'first' | 'rerun' | 'follow-up' | 'cli' | 'audit' | 'watch';
  report: Report;
  /** The card's input without header values (ReplayInput), so the card can be re-run after a restart. */
  input?: unknown;
}

export interface HistoryEntry {
  at: string;
  requester: string;
  family: number | null;
  cause: string;
  title: string;
  /** Set on the entry where the verdict changed from the one before it. */
  change: 'broken' | 'fixed' | 'changed' | null;
}

export interface OutboxMessage {
  kind: string;
  dedupeKey: string;
  payload: unknown;
}

export interface OutboxRow {
  id: number;
  kind: string;
  dedupeKey: string;
  payload: unknown;
  attempts: number;
}

/**
 * One acknowledged piece of work (a diagnosis, a re-run, a follow-up, a "re-run later", a mention, an audit, a watch run), kept
 * from the moment it is acknowledged until its visible outcome, so a crash or a deploy in between cannot lose it.
 * `payload` never holds a secret (header values are dropped: see ReplayInput).
 */
export interface NewWork {
  kind: string;
  /** A retried Slack delivery or a second click carries the same key: the second one starts nothing. */
  dedupeKey?: string | null;
  cardId?: string | null;
  cardTs?: string | null;
  workspace: string | null;
  channel: string | null;
  requester: string;
  payload: unknown;
  /** Not before (ms since epoch); now when absent. */
  dueAt?: number;
}

export type WorkState = 'pending' | 'running' | 'done';

/** The kinds of work that run a card's full diagnosis (and so put a new verdict on it): one at a time per card. */
export const CARD_RUN_KINDS = ['diagnose', 'rerun', 'rerun-later'] as const;

export interface WorkRow {
  id: string;
  kind: string;
  state: WorkState;
  dedupeKey: string | null;
  cardId: string | null;
  cardTs: string | null;
  workspace: string | null;
  channel: string | null;
  requester: string;
  payload: unknown;
  dueAt: number;
  /** How far it got: e.g. 'posted' (the card exists), 'verdict' (the card shows it), 'thread' (the thread too). */
  step: string | null;
  claimedBy: string | null;
  leaseUntil: number | null;
  attempts: number;
  outcome: string | null;
  createdAt: string;
}

/** Who holds a claim and for how long: a process that dies stops renewing, and another takes the work after the lease. */
export interface Claim {
  owner: string;
  leaseMs: number;
}

/**
 * Everything action-debug keeps: diagnoses (already redacted reports), tickets, the outbox of messages still to send,
 * acknowledged work, and Slack installations. Asynchronous because PostgreSQL drivers are; every write is one
 * transaction. Two engines implement it: SqliteStore (one file, the default) and PgStore (several instances).
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  close(): Promise<void>;

  saveDiagnosis(row: DiagnosisRow): Promise<void>;
  diagnosis(id: string): Promise<DiagnosisRow | null>;
  /** The card whose message is at channel/ts (its thread), if any diagnosis or work of it was stored. */
  cardIdAt(channel: string, ts: string): Promise<string | null>;
  cardDiagnoses(cardId: string): Promise<DiagnosisRow[]>;
  /**
   * The last diagnoses of an action, newest first, marking where the verdict changed (broken since / fixed since).
   * `team`: a workspace's diagnoses only (T…, also under an org-wide install's E…/T… key); null for the operator's tools.
   */
  history(action: string, limit?: number, team?: string | null): Promise<HistoryEntry[]>;

  ticketForKey(key: string): Promise<Ticket | null>;
  /**
   * Exactly once: the ticket and the messages announcing it are committed together; the same idempotency key (a double
   * click, a retried interaction, two people, two instances) returns the ticket already made. Nothing is sent from here.
   */
  createTicket(key: string, draft: TicketDraft, announce: (t: Ticket) => OutboxMessage[]): Promise<{ ticket: Ticket; created: boolean }>;
  ticket(number: number): Promise<Ticket | null>;
  resolveTicket(number: number, by: string, announce: (t: Ticket) => OutboxMessage[] | Promise<OutboxMessage[]>): Promise<{ ticket: Ticket; changed: boolean } | null>;

  enqueue(m: OutboxMessage, now?: number): Promise<void>;
  /** Takes due messages and leases them for `leaseMs`, so a second worker (or instance) does not send them at the same time. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]>;
  markSent(id: number): Promise<void>;
  markFailed(id: number, retryAt: number, error: string): Promise<void>;
  /** Never sent again: Slack refused it for good (see outbox/worker.ts); kept with its error for whoever looks. */
  markDead(id: number, error: string): Promise<void>;
  pendingCount(): Promise<number>;
  /** Retention: diagnoses older than `days` go (those a ticket refers to stay), finished work and uploaded specs too. */
  purgeOlderThan(days: number, now?: number): Promise<number>;

  putSealedInstallation(id: string, sealed: string): Promise<void>;
  getSealedInstallation(id: string): Promise<string | null>;
  deleteInstallation(id: string): Promise<void>;

  /** Records acknowledged work; with a claim it is running for that owner already. `created` is false for a known dedupeKey. */
  addWork(w: NewWork, claim?: Claim): Promise<{ row: WorkRow; created: boolean }>;
  work(id: string): Promise<WorkRow | null>;
  /** The newest work row of a card (what a card with no stored diagnosis yet is revived from). */
  workForCard(cardId: string): Promise<WorkRow | null>;
  /** The earliest work of this card running under a live lease (what is on it now, if anything). Starting a run is beginCardRun's and confirmCardRun's. */
  activeWorkForCard(cardId: string, now?: number): Promise<WorkRow | null>;
  /**
   * Starts a run of a card's diagnosis (a Re-run click, a mention) for `claim`, unless the card already has one: a run
   * under a live lease (`conflict: 'running'`), or, for a click, a run that showed its verdict on the card (step
   * 'verdict') at or after the click was made (`'newer'`: the click was made before the card's latest verdict, as the
   * second click of a double click is, whenever it is processed).
   * Checked and recorded in one transaction serialised per card, so two instances taking two clicks at once, or one
   * after the other, start one run. A refused start is recorded done ('refused') so a retry of the same click (same
   * dedupeKey) is known (`created` false) and the refusal counts toward no limit.
   */
  beginCardRun(w: NewWork & { cardId: string }, claim: Claim, clickedAt?: number | null): Promise<{ row: WorkRow; created: boolean; conflict: 'running' | 'newer' | null }>;
  /**
   * Work already recorded (a due "Re-run in N minutes", a re-run taken up after a crash) starts running the card in the
   * same per-card transaction as beginCardRun: false when another run holds the card (started there, or confirmed here
   * first, under a live lease). The first to start holds it, so two of them never both step back, nor both run.
   */
  confirmCardRun(id: string, cardId: string): Promise<boolean>;
  /** Records how far the work got. Only the owner's claim may move it. */
  stepWork(id: string, owner: string, patch: { step?: string; cardId?: string; cardTs?: string }): Promise<void>;
  finishWork(id: string, outcome: string): Promise<void>;
  /**
   * Finishes the row only while `owner` still holds it (running, claimed by it); false when it does not, e.g. its lease
   * ran out and another process took it up. For a finish written late, never over someone else's run.
   */
  finishOwnedWork(id: string, outcome: string, owner: string): Promise<boolean>;
  /** Graceful stop: back to pending, unclaimed, for the next start (or another instance) to take. */
  handBackWork(id: string, owner: string): Promise<void>;
  renewWork(owner: string, leaseUntil: number): Promise<void>;
  /** Claims unfinished work that is due and unclaimed (or whose owner's lease ran out): each row for exactly one caller. */
  claimWork(claim: Claim, now: number, limit: number, kinds?: string[]): Promise<WorkRow[]>;
  /**
   * An audit or a watch run books `units` diagnoses on its work row against the workspace's hourly budget, all or nothing:
   * checked and written in one transaction serialised per workspace, so two instances reserving at once cannot both pass.
   * `count` is what the budget held without this row.
   */
  reserveWork(id: string, units: number, budget: { workspace: string; kinds: string[]; since: number; limit: number }): Promise<{ ok: boolean; count: number; oldest: number | null }>;
  /**
   * Marks work `id` as holding `key` (a user's diagnosis of one endpoint; a workspace's audit) unless another work row
   * holds that key while running under a live lease: checked and written in one transaction serialised per key (an
   * advisory lock on PostgreSQL, the write lock on SQLite), so two instances starting at once cannot both hold it.
   * Refused: the holder (its card, to point at). A hold ends with its work (finished, handed back, lease run out) or
   * releaseHold.
   */
  holdWork(id: string, key: string, now?: number): Promise<{ ok: true } | { ok: false; holder: WorkRow }>;
  /** Ends `id`'s hold (its work refused after all, or over). */
  releaseHold(id: string): Promise<void>;
  /** "Re-run in N minutes" for a card: a second request for the same card moves the pending one. */
  scheduleRerun(cardId: string, dueAt: number, by: string, label: string): Promise<void>;
  pendingReruns(): Promise<{ cardId: string; dueAt: number; label: string; by: string }[]>;
  /**
   * How many diagnoses work of these kinds started for a user / a workspace since `since` (each row weighs its units: one,
   * or an audit's or a watch run's number of actions), not counting refused ones (limits counted across instances).
   */
  countWorkSince(kinds: string[], since: number, who: { requester?: string; workspace?: string }, excludeId?: string): Promise<{ count: number; oldest: number | null }>;

  /** Stored schedules that re-diagnose actions (issue 23); the same contract on both engines. */
  readonly watches: WatchStore;

  /** Spec files shared in a thread, scoped to the workspace, so a re-run on another instance or after a restart finds them. */
  putUpload(workspace: string, key: string, text: string): Promise<void>;
  /** Keys name one Slack file (its ID is unique across workspaces), so a key alone finds it. */
  getUpload(key: string): Promise<string | null>;
}

export interface WatchRow {
  id: number;
  workspace: string;
  channel: string;
  createdBy: string;
  /** An action name, or "*" for every action. */
  target: string;
  everyMs: number;
  nextDueAt: number;
  /** What the last run saw (the watch module's schema; opaque here). */
  state: unknown;
  createdAt: string;
}

export interface ClaimedWatch extends WatchRow {
  /** Proves this process holds the claim when it commits the run. */
  token: string;
}

/**
 * Watches: a stored schedule, so it survives restarts; both engines implement it (sqlite-watches.ts, pg-watches.ts)
 * and each store hands out its own as `store.watches`. A run is claimed (a lease with a token) before it starts and
 * committed with its messages in one transaction: the verdicts seen and the outbox rows that announce a change go
 * together, so a crash before the commit loses nothing (the lease runs out and the run is taken again) and a crash after
 * it doubles nothing (the outbox sends each row once). Several processes on one database run each due time once.
 */
export interface WatchStore {
  /**
   * A new watch, or the one already watching this target in this channel (then `created` is false), or null when the
   * workspace already has `max` active watches. Checked and written in one transaction, so two requests at once (two
   * instances) cannot pass the limit together.
   */
  create(w: NewWatch, max: number): Promise<{ watch: WatchRow; created: boolean } | null>;
  active(workspace: string): Promise<WatchRow[]>;
  activeCount(workspace: string): Promise<number>;
  activeWorkspaces(): Promise<string[]>;
  /** Stops the watch on `target` (or every watch of the channel when target is null); returns how many stopped. */
  stop(workspace: string, channel: string, target: string | null): Promise<number>;
  /** Takes up to `limit` due watches, each for `leaseMs`: a watch is claimed by one caller (process, instance) at a time. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedWatch[]>;
  /**
   * Ends a claimed run: its new state, its next due time, its messages (outbox) and, for a watch whose action is gone,
   * its end, all in one transaction. False when the claim was lost (the lease ran out and another process took the run)
   * or the watch was stopped meanwhile: then nothing is written and nothing is sent.
   */
  commitRun(w: ClaimedWatch, run: WatchRun): Promise<boolean>;
  /** The action changed in OpenCX: check it at the next tick instead of waiting for its interval. */
  dueNow(id: number, now: number): Promise<boolean>;
}

export interface NewWatch { workspace: string; channel: string; createdBy: string; target: string; everyMs: number; firstDueAt: number; state: unknown }
export interface WatchRun { state: unknown; nextDueAt: number; stop: boolean; messages: OutboxMessage[] }

/** What resolving a ticket comes to before its transaction: nothing (no such ticket), no change (already resolved), or the change and its messages. */
export type PreparedResolution =
  | { ready: false; result: { ticket: Ticket; changed: boolean } | null }
  | { ready: true; resolved: Ticket; messages: OutboxMessage[] };

/**
 * The steps both engines take before resolving a ticket: read it, stop when it is missing or already resolved, build the
 * resolved ticket, and build its messages (they may read the store, so outside the transaction). Each engine then
 * commits the status change and the messages together, only if the ticket is still open.
 */
export async function prepareResolution(store: Pick<Store, 'ticket'>, number: number, by: string, announce: (t: Ticket) => OutboxMessage[] | Promise<OutboxMessage[]>): Promise<PreparedResolution> {
  const t = await store.ticket(number);
  if (!t) return { ready: false, result: null };
  if (t.status === 'resolved') return { ready: false, result: { ticket: t, changed: false } };
  const resolved: Ticket = { ...t, status: 'resolved', resolvedBy: by, resolvedAt: new Date().toISOString() };
  return { ready: true, resolved, messages: await announce(resolved) };
}
