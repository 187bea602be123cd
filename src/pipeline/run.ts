import { errorLine } from '../core/error-line.js';
import { randomUUID } from 'node:crypto';
import { NetOptionsSchema, type NetOptionsDraft } from '../net/options.js';
import type { Finding } from './finding.js';
import type { DiagnosisInput } from './input.js';
import type { Check, Evidence, Probe, ProbeContext, ProbeServices } from './probe.js';
import type { DiagnosisEvent, ProbeResult, Report } from './report.js';
import { decideVerdict, rankFindings, rankOf } from './verdict.js';
import { redactUrl, describeHeaders } from '../core/redact.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../silent-logger.js';

export interface RunOptions {
  net?: NetOptionsDraft;
  services?: ProbeServices;
  onEvent?: (event: DiagnosisEvent) => void;
  /** What to run: the pipeline runs what it is given (src/registry.ts lists the defaults), as Lighthouse's runner runs its config's audits. */
  probes: Probe<any>[];
  checks: Check[];
  id?: string;
  /** Time on top of the request timeout that a probe may take (several requests, TLS retries). */
  graceMs?: number;
  logger?: Logger;
}

/**
 * Runs every probe concurrently, each under its own deadline, turns evidence into findings and decides
 * the verdict. Never throws for anything the endpoint does: a probe that crashes is reported as "error".
 */
export async function runDiagnosis(requested: DiagnosisInput, options: RunOptions): Promise<Report> {
  const id = options.id ?? randomUUID();
  const { probes, checks } = options;
  const net = NetOptionsSchema.parse(options.net ?? {});
  // The operator's cap (ACTION_DEBUG_TIMEOUT_S) applies to every face; the report shows the timeout actually used.
  const input = requested.timeoutMs > net.maxTimeoutMs ? { ...requested, timeoutMs: net.maxTimeoutMs } : requested;
  const log = (options.logger ?? silentLogger).child({ diagnosis: id });
  const onEvent = options.onEvent ?? (() => {});
  const emit = (e: DiagnosisEvent) => {
    // A renderer that throws (a Slack update failing) must not stop the diagnosis.
    try {
      onEvent(e);
    } catch (err) {
      log.warn({ err: errorLine(err) }, 'progress listener failed');
    }
  };
  const started = Date.now();
  const graceMs = options.graceMs ?? 5_000;
  const diagnosisDeadline = AbortSignal.timeout(input.timeoutMs * 2 + graceMs);

  emit({ type: 'started', id, probes: probes.map((p) => ({ id: p.id, title: p.title })) });

  const evidence = new Map<string, Evidence>();
  const findings: Finding[] = [];

  const results = await Promise.all(
    probes.map(async (probe): Promise<ProbeResult> => {
      const t0 = performance.now();
      const base = { id: probe.id, title: probe.title, facts: {}, exchanges: [] };
      const skip = probe.skip?.(input, options.services ?? {}) ?? null;
      if (skip !== null) {
        const r: ProbeResult = { ...base, status: 'skipped', durationMs: 0, summary: skip };
        emit({ type: 'probe-finished', id, probe: r });
        return r;
      }
      const probeBudget = input.timeoutMs + graceMs;
      const signal = AbortSignal.any([diagnosisDeadline, AbortSignal.timeout(probeBudget)]);
      const ctx: ProbeContext = { input, net, signal, services: options.services ?? {} };
      let result: ProbeResult;
      try {
        const ev = await raceSignal(probe.gather(ctx), signal, probeBudget);
        evidence.set(probe.id, ev);
        const own = probe.assess(ev, input);
        findings.push(...own);
        const problems = own.filter((f) => f.severity !== 'info');
        result = {
          ...base,
          status: problems.length ? 'failed' : 'passed',
          durationMs: Math.round(performance.now() - t0),
          summary: problems.length ? problems.map((f) => f.title).join('; ') : (probe.summarize?.(ev) ?? own[0]?.title ?? 'OK'),
          facts: ev.facts ?? {},
          exchanges: ev.exchanges,
        };
      } catch (err) {
        result = {
          ...base,
          status: 'error',
          durationMs: Math.round(performance.now() - t0),
          summary: `could not run: ${errorLine(err)}`,
        };
      }
      log.debug({ probe: result.id, status: result.status, ms: result.durationMs }, 'probe finished');
      emit({ type: 'probe-finished', id, probe: result });
      return result;
    }),
  );

  for (const check of checks) {
    if (check.needs.every((n) => evidence.has(n))) findings.push(...check.assess(evidence, input));
  }

  const rank = rankOf([...probes.flatMap((p) => p.causes), ...checks.flatMap((c) => c.causes)]);
  const ranked = rankFindings(dedupe(findings), rank);
  const notChecked = results.filter((r) => r.status === 'skipped' || r.status === 'error').map((r) => `${r.title} (${r.summary})`);
  const report: Report = {
    schemaVersion: 1,
    tool: 'action-debug',
    id,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    input: {
      endpoint: redactUrl(input.endpoint),
      method: input.method,
      action: input.action ?? null,
      session: input.session ?? null,
      headers: describeHeaders(input.headers),
      spec: input.spec ? redactUrl(input.spec) : null,
      timeoutMs: input.timeoutMs,
    },
    verdict: decideVerdict(ranked, notChecked),
    findings: ranked,
    probes: results,
    checked: results.filter((r) => r.status === 'passed' || r.status === 'failed').map((r) => r.title),
  };
  log.info({ endpoint: report.input.endpoint, family: report.verdict.family, cause: report.verdict.cause, ms: report.durationMs }, 'diagnosis finished');
  emit({ type: 'finished', id, report });
  return report;
}

/** The same cause found by two probes is one finding with both evidences. */
function dedupe(findings: Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    const prev = byId.get(f.id);
    if (!prev) byId.set(f.id, { ...f, evidence: [...f.evidence] });
    else for (const e of f.evidence) if (!prev.evidence.includes(e)) prev.evidence.push(e);
  }
  return [...byId.values()];
}

function raceSignal<T>(p: Promise<T>, signal: AbortSignal, budgetMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(`did not finish within ${Math.round(budgetMs / 1000)} s`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}


