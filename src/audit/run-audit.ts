import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import { errorLine } from '../core/error-line.js';
import { redactUrl } from '../core/redact.js';
import { finding } from '../pipeline/finding.js';
import { InputError, parseDiagnosisInput, type DiagnosisInput, type EndpointInput } from '../pipeline/input.js';
import type { Report } from '../pipeline/report.js';
import type { RunOptions } from '../pipeline/run.js';
import { HostLimiter } from '../net/host-limiter.js';
import { NetOptionsSchema, type NetOptionsDraft } from '../net/options.js';
import { OpenCxFacts, type OpenCxServices } from '../opencx/facts.js';
import type { Action, ActionList } from '../opencx/schemas.js';
import { silentLogger, type Logger } from '../log.js';
// One cause for "no usable endpoint saved", whether a diagnosis or an audit finds it.
import { noUsableEndpoint } from '../opencx/endpoint-cause.js';
import { classifyReport } from './classify.js';
import type { AuditAction, AuditSummary } from './schema.js';
import { summarize } from './summary.js';

/** The diagnosis to run per action: the faces pass registry.diagnose (the audit, like the pipeline, runs what it is given). */
export type DiagnoseFn = (input: DiagnosisInput, options: Omit<RunOptions, 'probes' | 'checks'>) => Promise<Report>;

export interface AuditOptions {
  /** Where the actions come from; its client is also what the family-4 probes read. */
  facts: OpenCxFacts;
  diagnose: DiagnoseFn;
  /** Network options for every probe; the audit adds its own per-host limiter. */
  net?: NetOptionsDraft;
  /** Requests in flight per host (name and port), across every probe of every action: at most 2. */
  perHost?: number;
  /**
   * A limiter shared with other audits and watches of the same process (the Slack app passes one), so two audits at once
   * still keep a host at `perHost`; by default each audit has its own.
   */
  limiter?: HostLimiter;
  /** Diagnoses running at once; each runs against a different host. */
  concurrency?: number;
  /** The request timeout of each diagnosis (default: OpenCX's 60 s, capped by the net options). */
  timeoutMs?: number;
  /** The whole audit: once elapsed, no new diagnosis starts and the actions left are "not checked". */
  maxDurationMs?: number;
  signal?: AbortSignal;
  /** Diagnose only these actions (a watch of one action); the family-4 checks still see the whole list. */
  select?: (action: Action) => boolean;
  /** An action list already read (a watch re-uses the one it compared updated_at against). */
  actions?: Action[] | ActionList;
  onEvent?: (event: AuditEvent) => void;
  logger?: Logger;
  id?: string;
}

export type AuditEvent =
  | { type: 'listed'; id: string; total: number }
  | { type: 'action-finished'; id: string; action: AuditAction; report: Report | null; summary: AuditSummary }
  | { type: 'finished'; id: string; result: AuditResult };

export interface AuditResult {
  id: string;
  /** In the order OpenCX lists them. */
  actions: AuditAction[];
  summary: AuditSummary;
  /** Every diagnosis that ran, by action id (stored by the Slack face so history works for audited actions). */
  reports: Map<string, Report>;
  /** The highest number of requests that were in flight at once to one host. */
  peakPerHost: Record<string, number>;
}

export const MAX_PER_HOST = 2;

/**
 * The audit reads the action list once and lends that snapshot to every diagnosis: the facts cache lasts 10 s and an
 * audit lasts longer, and 100 diagnoses re-reading the list would spend OpenCX's 100-calls-a-minute budget for nothing.
 */
class SnapshotFacts extends OpenCxFacts {
  constructor(from: OpenCxFacts, private readonly list: ActionList) {
    super(from.client);
  }
  override actionList(): Promise<ActionList> {
    return Promise.resolve(this.list);
  }
  override actions(): Promise<Action[]> {
    return Promise.resolve(this.list.actions);
  }
}

/**
 * Lists every action and diagnoses each against its saved endpoint and method, with the family-4 checks that need no
 * session. Politeness: one diagnosis per host at a time, and a limiter shared by all of them that keeps at most
 * `perHost` (≤ 2) requests in flight per host; no burst is ever sent. Hosts run in parallel (up to `concurrency`),
 * the busiest first, so the audit takes about as long as its slowest host's actions one after another.
 * Throws only when the list itself cannot be read (OpenCxError); a diagnosis that fails is a result, never a throw.
 */
export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const id = options.id ?? randomUUID();
  const log = (options.logger ?? silentLogger).child({ audit: id });
  const perHost = Math.min(options.perHost ?? MAX_PER_HOST, MAX_PER_HOST);
  const limiter = options.limiter && options.limiter.perHost <= perHost ? options.limiter : new HostLimiter(perHost);
  const net = NetOptionsSchema.parse({ ...(options.net ?? {}), hostLimiter: limiter });
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const emit = (e: AuditEvent) => {
    try {
      options.onEvent?.(e);
    } catch (err) {
      log.warn({ err: errorLine(err) }, 'audit listener failed');
    }
  };

  const given = options.actions ?? (await options.facts.actionList());
  const snapshot: ActionList = Array.isArray(given) ? { actions: given, odd: [] } : given;
  const facts = new SnapshotFacts(options.facts, snapshot);
  const all = snapshot.actions;
  const list = options.select ? all.filter(options.select) : all;
  // Records OpenCX sent that had no readable id or name: nothing can be diagnosed, but the audit says how many.
  const unreadable = snapshot.odd.filter((o) => !o.kept).length;
  const services: OpenCxServices = { opencx: facts };
  emit({ type: 'listed', id, total: list.length });

  const results = new Map<string, AuditAction>();
  const reports = new Map<string, Report>();
  let timedOut = false;
  const stopTimer = options.maxDurationMs
    ? setTimeout(() => {
        timedOut = true;
      }, options.maxDurationMs)
    : null;
  stopTimer?.unref();
  const stopped = () => timedOut || !!options.signal?.aborted;
  const timeoutMs = Math.min(options.timeoutMs ?? 60_000, net.maxTimeoutMs);

  const record = (action: AuditAction, report: Report | null) => {
    results.set(action.id, action);
    if (report) reports.set(action.id, report);
    const done = list.map((a) => results.get(a.id)).filter((r): r is AuditAction => !!r);
    emit({ type: 'action-finished', id, action, report, summary: summarize(done, { total: list.length, startedAt, durationMs: Date.now() - started, complete: false, timedOut, unreadable }) });
  };

  // Group by host; an action whose endpoint cannot be called is answered at once.
  const byHost = new Map<string, { action: Action; input: EndpointInput }[]>();
  for (const action of list) {
    const prepared = prepare(action, timeoutMs);
    if ('invalid' in prepared) {
      record(invalidResult(action, prepared.invalid), null);
      continue;
    }
    const key = HostLimiter.keyOf(new URL(prepared.input.endpoint));
    byHost.set(key, [...(byHost.get(key) ?? []), { action, input: prepared.input }]);
  }

  const hosts = [...byHost.entries()].sort((a, b) => b[1].length - a[1].length);
  const pool = pLimit(Math.max(1, options.concurrency ?? 6));
  await Promise.all(
    hosts.map(([host, items]) =>
      pool(async () => {
        for (const { action, input } of items) {
          if (stopped()) {
            record(notReached(action, options.maxDurationMs), null);
            continue;
          }
          const t0 = Date.now();
          try {
            const report = await options.diagnose(input, { net, services, logger: log });
            const { status, verdict } = classifyReport(report);
            record({ ...base(action), status, verdict, diagnosisId: report.id, durationMs: Date.now() - t0 }, report);
          } catch (err) {
            log.warn({ host, err: errorLine(err) }, 'audit diagnosis failed');
            record({ ...base(action), status: 'not-checked', verdict: { family: null, cause: 'not-checked', title: `Not checked: ${errorLine(err)}`, fix: 'Run the audit again; if it persists, diagnose this action on its own.', severity: null }, diagnosisId: null, durationMs: Date.now() - t0 }, null);
          }
        }
      }),
    ),
  );
  if (stopTimer) clearTimeout(stopTimer);

  const actions = list.map((a) => results.get(a.id)!).filter(Boolean);
  const summary = summarize(actions, { total: list.length, startedAt, durationMs: Date.now() - started, complete: true, timedOut, unreadable });
  const result: AuditResult = { id, actions, summary, reports, peakPerHost: limiter.peaks() };
  log.info({ total: summary.total, broken: summary.broken, ms: summary.durationMs }, 'audit finished');
  emit({ type: 'finished', id, result });
  return result;
}

function base(action: Action) {
  return {
    id: action.id,
    name: action.name,
    endpoint: action.api_endpoint ? redactUrl(action.api_endpoint) : '',
    method: (action.request_type ?? 'GET').toUpperCase(),
  };
}

/** The input OpenCX's own call would have: saved endpoint and method, no headers (none are shared), never a burst. */
function prepare(action: Action, timeoutMs: number): { input: EndpointInput } | { invalid: string } {
  const endpoint = action.api_endpoint?.trim();
  if (!endpoint) return { invalid: 'No endpoint is saved in the action' };
  try {
    return {
      input: parseDiagnosisInput({
        endpoint,
        method: (action.request_type ?? 'GET').toUpperCase() as 'GET',
        action: action.name,
        timeoutMs,
        burst: 0,
      }),
    };
  } catch (err) {
    if (err instanceof InputError) return { invalid: err.message };
    throw err;
  }
}

function invalidResult(action: Action, why: string): AuditAction {
  const f = finding(noUsableEndpoint, 'audit', [why]);
  return { ...base(action), status: 'broken', verdict: { family: f.family, cause: f.id, title: `${f.title}: ${why}`, fix: f.fix, severity: 'error' }, diagnosisId: null, durationMs: 0 };
}

function notReached(action: Action, maxMs: number | undefined): AuditAction {
  return {
    ...base(action),
    status: 'not-checked',
    verdict: {
      family: null,
      cause: 'not-checked',
      title: `Not checked: the audit reached its time limit${maxMs ? ` (${Math.round(maxMs / 1000)} s)` : ''}`,
      fix: 'Diagnose this action on its own, or run the audit again with a longer limit (AUDIT_MAX_SECONDS).',
      severity: null,
    },
    diagnosisId: null,
    durationMs: 0,
  };
}
