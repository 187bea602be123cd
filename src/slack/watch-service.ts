import { errorLine } from '../core/error-line.js';
import { diagnose } from '../registry.js';
import { runAudit } from '../audit/run-audit.js';
import type { HostLimiter } from '../net/host-limiter.js';
import type { AuditSettings } from '../audit/settings.js';
import { findAction, type OpenCxServices } from '../opencx/facts.js';
import type { Action } from '../opencx/schemas.js';
import { parseDiagnosisInput } from '../pipeline/input.js';
import type { ClaimedWatch, OutboxMessage, Store, WatchStore } from '../store/store.js';
import { compare, EMPTY_STATE, readState, type Transition } from '../watch/state.js';
import type { WatchSettings } from '../watch/settings.js';
import { reportChanges } from '../render/report-diff.js';
import { everyText, slackTime, watchMessages } from '../render/watch-blocks.js';
import { mrkdwnEscape as esc } from '../render/slack-limits.js';
import type { FlowDeps } from './diagnose-flow.js';
import { toReplay } from './replay-input.js';
import type { Requester } from './gate.js';

export const ALL = '*';

export interface WatchDeps {
  flow: FlowDeps;
  store: Store;
  watches: WatchStore;
  settings: WatchSettings;
  audit: AuditSettings;
  /** The process's per-host limiter, shared with audits. */
  limiter: HostLimiter;
  /** Sends what a committed run put in the outbox now, rather than at the worker's next poll. */
  kick: () => Promise<void> | void;
  /** How long a claimed run blocks other processes if this one dies mid-run (it must outlast a run). */
  leaseMs?: number;
  /**
   * The gate's one check for deferred work (Gate.stillAllowed), asked at every run for the watch's creator, channel and
   * workspace: an admin may have removed any of them from the allow-lists since the watch was made.
   */
  stillAllowed: (r: Requester) => string | null;
}

/**
 * Watches: stored schedules that re-diagnose an action (or all of them) and post in the channel only when a verdict
 * changes. Runs are claimed in the store (once per due time, across restarts and processes) and committed together with
 * the messages they post (the outbox), so a crash loses and doubles nothing. An action changed in OpenCX (its updated_at
 * moved) is checked at the next tick instead of at its interval. Each run counts against the workspace's budget.
 */
export class WatchService {
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = true;
  readonly #leaseMs: number;

  constructor(private readonly d: WatchDeps) {
    this.#leaseMs = d.leaseMs ?? Math.max(15 * 60_000, d.audit.AUDIT_MAX_SECONDS * 2000);
  }

  #facts() {
    return (this.d.flow.services as OpenCxServices).opencx;
  }

  /** `watch "Look up order" [every=15m]` / `watch all`: the reply for the person who asked (ephemeral). */
  async add(a: { team: string; channel: string; user: string; target: { all: true } | { action: string }; everyMs: number | null }): Promise<string> {
    if (!this.#facts()) return 'Watches read your actions through the OpenCX API: set OPENCX_API_KEY for the app.';
    const s = this.d.settings;
    const everyMs = a.everyMs ?? Math.round(s.WATCH_DEFAULT_INTERVAL_MINUTES * 60_000);
    const minMs = Math.round(s.WATCH_MIN_INTERVAL_MINUTES * 60_000);
    if (everyMs < minMs) return `every=${everyText(everyMs)} is more often than this workspace allows: at least ${everyText(minMs)} (WATCH_MIN_INTERVAL_MINUTES).`;
    const target = 'all' in a.target ? ALL : a.target.action;
    const made = await this.d.watches.create({ workspace: a.team, channel: a.channel, createdBy: a.user, target, everyMs, firstDueAt: Date.now(), state: EMPTY_STATE }, s.WATCH_MAX_PER_WORKSPACE);
    if (!made) return `This workspace already has ${s.WATCH_MAX_PER_WORKSPACE} watches, the limit (WATCH_MAX_PER_WORKSPACE): stop one first (\`/action-debug watch list\`).`;
    const { watch, created } = made;
    const what = target === ALL ? 'every action' : `"${esc(target)}"`;
    if (!created) return `This channel already watches ${what} (every ${everyText(watch.everyMs)}).`;
    this.#soon();
    return `Watching ${what} every ${everyText(everyMs)}: the first check runs now and posts what it finds here; after that I post only when a verdict changes (or the action changes in OpenCX).`;
  }

  async list(team: string): Promise<string> {
    const rows = await this.d.watches.active(team);
    if (!rows.length) return 'No watches in this workspace. `/action-debug watch "Look up order" every=15m` or `/action-debug watch all` starts one.';
    const lines = rows.map((w) => {
      const st = readState(w.state);
      const seen = Object.values(st.actions);
      const now = w.target === ALL
        ? `${seen.filter((x) => x.status === 'broken').length} of ${seen.length} broken`
        : seen[0] ? (seen[0].status === 'broken' ? `broken since ${slackTime(seen[0].since)} (\`${seen[0].cause}\`)` : seen[0].status === 'ok' ? `OK since ${slackTime(seen[0].since)}` : seen[0].status.replace('-', ' ')) : 'not checked yet';
      return `• ${w.target === ALL ? '*all actions*' : `*${esc(w.target)}*`} in <#${w.channel}> every ${everyText(w.everyMs)} · next check ${slackTime(new Date(w.nextDueAt).toISOString())} · ${now}`;
    });
    return `*Watches in this workspace* (${rows.length} of ${this.d.settings.WATCH_MAX_PER_WORKSPACE})\n${lines.join('\n')}`;
  }

  async stop(a: { team: string; channel: string; target: { all: true } | { action: string } }): Promise<string> {
    const n = await this.d.watches.stop(a.team, a.channel, 'all' in a.target ? null : a.target.action);
    if ('all' in a.target) return n ? `Stopped ${n} watch${n === 1 ? '' : 'es'} in this channel.` : 'No watches in this channel.';
    if (!n) {
      // "watch stop all" stops every watch of the channel; "watch stop <name>" the one on that name (or on "all").
      return `No watch on "${esc(a.target.action)}" in this channel (\`/action-debug watch list\`).`;
    }
    return `Stopped watching "${esc(a.target.action)}" here.`;
  }

  start(): void {
    this.#stopped = false;
    const every = Math.round(this.d.settings.WATCH_TICK_SECONDS * 1000);
    this.#timer = setInterval(() => void this.tick(), every);
    this.#timer.unref();
    this.#soon();
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
  }

  #soon(): void {
    if (this.#stopped) return;
    setImmediate(() => void this.tick());
  }

  /** One pass: mark watches whose actions changed in OpenCX as due, then run what is due. Never two passes at once. */
  tick(): Promise<void> {
    if (this.#ticking) return this.#ticking;
    this.#ticking = this.#tick().catch((err) => this.d.flow.log.error({ err: errorLine(err) }, 'watch tick failed')).finally(() => (this.#ticking = null));
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const facts = this.#facts();
    if (!facts) return;
    const now = Date.now();
    if (!(await this.d.watches.activeWorkspaces()).length) return;
    // One fresh read of the action list per tick (not the 10 s facts cache: a change must show at the next tick), shared
    // by the updated_at check and the runs of this tick: OpenCX allows 100 calls a minute per key.
    let actions: Action[] | Error;
    try {
      actions = await facts.client.listActions();
    } catch (err) {
      actions = err instanceof Error ? err : new Error(String(err));
    }
    if (!(actions instanceof Error)) await this.#markChanged(actions, now);
    for (let round = 0; round < 10 && !this.#stopped; round++) {
      const due = await this.d.watches.claimDue(Date.now(), 2, this.#leaseMs);
      if (!due.length) return;
      for (const w of due) await this.#run(w, actions);
    }
  }

  /** The troubleshooting page asks to verify after every change: an action whose updated_at moved is due now. */
  async #markChanged(actions: Action[], now: number): Promise<void> {
    const workspaces = await this.d.watches.activeWorkspaces();
    const updated = new Map(actions.map((a) => [a.id, typeof a['updated_at'] === 'string' ? (a['updated_at'] as string) : null]));
    for (const team of workspaces) {
      for (const w of await this.d.watches.active(team)) {
        const st = readState(w.state);
        const moved = Object.entries(st.actions).some(([id, seen]) => updated.has(id) && updated.get(id) !== seen.updatedAt);
        const appeared = w.target === ALL && st.runs > 0 && actions.some((a) => !st.actions[a.id]);
        if ((moved || appeared) && (await this.d.watches.dueNow(w.id, now))) this.d.flow.log.info({ watch: w.id }, 'watched action changed in OpenCX: checking now');
      }
    }
  }

  /**
   * A run is also a work row (kind watch-run) while it goes: its diagnoses are booked on it against the workspace's
   * hourly budget, counted by every instance. The run's own durability is its claim on the watch (a crash lets the claim
   * lapse and the run happens again, once); a row a crash left is closed at the next start.
   */
  async #run(w: ClaimedWatch, listed: Action[] | Error): Promise<void> {
    const tracker = this.d.flow.work;
    const rec = await tracker?.begin({ kind: 'watch-run', workspace: w.workspace, channel: w.channel, requester: w.createdBy, payload: { watch: w.id } });
    let outcome = 'failed';
    try {
      outcome = await this.#runOnce(w, listed, rec?.row.id);
    } finally {
      await tracker?.done(rec?.row.id, outcome).catch(() => {});
    }
  }

  async #runOnce(w: ClaimedWatch, listed: Action[] | Error, workId: string | undefined): Promise<string> {
    const log = this.d.flow.log.child({ watch: w.id });
    const now = Date.now();
    // The next due time on the watch's own grid, strictly after now: a restart that missed several runs catches up once.
    const nextDueAt = w.nextDueAt + w.everyMs * Math.max(1, Math.ceil((now - w.nextDueAt + 1) / w.everyMs));
    const state = readState(w.state);
    const headline = w.target === ALL ? `Watch on every action, every ${everyText(w.everyMs)}` : `Watch on "${esc(w.target)}", every ${everyText(w.everyMs)}`;
    const post = (msgs: ReturnType<typeof watchMessages>): OutboxMessage[] =>
      msgs.map((m, i) => ({ kind: 'slack.post', dedupeKey: `watch:${w.id}:${w.token}:${i}`, payload: { team: w.workspace, channel: w.channel, text: m.text, blocks: m.blocks } }));
    const commit = async (run: { state: typeof state; stop: boolean; messages: OutboxMessage[] }, outcome = 'verdict'): Promise<string> => {
      const ok = await this.d.watches.commitRun(w, { ...run, nextDueAt });
      if (!ok) log.warn('watch run not committed: stopped meanwhile, or its claim ran out and another process ran it; nothing posted from here');
      if (ok && run.messages.length) await this.d.kick();
      return ok ? outcome : 'lost';
    };

    // Asked before anything is read or probed. Refused, the watch stops (as a due Re-run later refused is dropped, not
    // retried) and says so once in its channel: the stop and the message are one commit, so it is said exactly once.
    const refusal = this.d.stillAllowed({ user: w.createdBy, channel: w.channel, team: w.workspace });
    if (refusal) {
      log.warn({ user: w.createdBy, channel: w.channel, why: refusal }, 'watch run refused by the gate: the watch stops');
      const stopped = watchMessages(headline, [], new Map(), `:octagonal_sign: This watch stopped: whoever started it (<@${w.createdBy}>) may no longer use action-debug here. ${esc(refusal)}`);
      return commit({ state, stop: true, messages: post(stopped) }, 'refused');
    }
    if (listed instanceof Error) {
      log.warn({ err: errorLine(listed) }, 'watch: OpenCX action list unavailable; next time');
      return commit({ state, stop: false, messages: [] }, 'refused');
    }
    const actions = listed;
    const present = new Set(actions.map((a) => a.id));
    let selected: Action[];
    if (w.target === ALL) selected = actions;
    else {
      const a = findAction(actions, w.target) ?? actions.find((x) => state.actions[x.id]);
      if (!a) {
        const { transitions, state: next } = compare(state, [], present, new Date(now).toISOString());
        const gone = transitions.length
          ? watchMessages(headline, transitions, new Map(), ':octagonal_sign: This watch stopped: its action is gone.')
          : watchMessages(headline, [], new Map(), `:octagonal_sign: There is no action named "${esc(w.target)}" in OpenCX: this watch stopped. \`/action-debug watch list\` shows the others.`);
        return commit({ state: next, stop: true, messages: post(gone) });
      }
      selected = [a];
    }
    const budget = await this.d.flow.limits.tryReserve(w.workspace, selected.length, `A watch run of ${selected.length} action${selected.length === 1 ? '' : 's'}`, workId);
    if (!budget.ok) {
      log.warn({ reason: budget.message }, 'watch run skipped: workspace budget');
      return commit({ state, stop: false, messages: [] }, 'refused');
    }
    const ids = new Set(selected.map((a) => a.id));
    const result = await runAudit({
      facts: this.#facts()!, actions, select: (a) => ids.has(a.id), diagnose, net: this.d.flow.net, logger: log,
      perHost: this.d.audit.AUDIT_PER_HOST, limiter: this.d.limiter, concurrency: this.d.audit.AUDIT_CONCURRENCY, maxDurationMs: this.d.audit.AUDIT_MAX_SECONDS * 1000,
    });
    for (const r of result.actions) {
      const report = result.reports.get(r.id);
      const action = selected.find((a) => a.id === r.id);
      if (!report || !action?.api_endpoint) continue;
      try {
        const input = parseDiagnosisInput({ endpoint: action.api_endpoint, method: r.method as 'GET', action: r.name, timeoutMs: report.input.timeoutMs });
        await this.d.store.saveDiagnosis({ id: report.id, cardId: `watch:${w.id}`, createdAt: report.startedAt, requester: w.createdBy, workspace: w.workspace, channel: w.channel, threadTs: null, kind: 'watch', report, input: toReplay(input) });
      } catch (err) {
        log.warn({ err: errorLine(err) }, 'watch diagnosis not stored');
      }
    }
    const updatedAt = (id: string) => {
      const v = actions.find((a) => a.id === id)?.['updated_at'];
      return typeof v === 'string' ? v : null;
    };
    const { state: next, transitions } = compare(state, result.actions.map((a) => ({ action: a, updatedAt: updatedAt(a.id) })), present, new Date(now).toISOString());
    // The diff against the last run, from the two stored diagnoses.
    const changes = new Map<string, string[]>();
    for (const t of transitions) {
      if (t.kind === 'first' || t.kind === 'vanished' || !t.before.diagnosisId) continue;
      const prev = (await this.d.store.diagnosis(t.before.diagnosisId))?.report;
      const cur = result.reports.get(t.id);
      if (prev && cur) changes.set(t.id, reportChanges(prev, cur));
    }
    let shown: Transition[] = transitions;
    let footer: string | null = null;
    if (w.target === ALL && state.runs === 0) {
      // The first run of "watch all" is a baseline: the counts, not one line per action (the audit card does that).
      const s = result.summary;
      shown = [];
      footer = `:eyes: Now: ${s.total} actions, ${s.broken} broken, ${s.needsCredentials} need credentials to check, ${s.ok} OK. From here on I post only what changes.`;
    }
    const messages = post(watchMessages(headline, shown, changes, footer));
    log.info({ transitions: transitions.length, posted: messages.length }, 'watch run');
    return commit({ state: next, stop: false, messages });
  }
}
