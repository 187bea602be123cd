import { errorLine } from '../core/error-line.js';
import { randomUUID } from 'node:crypto';
import { NetOptionsSchema, type NetOptionsDraft } from '../net/options.js';
import type { Finding } from './finding.js';
import { hasEndpoint, type DiagnosisInput } from './input.js';
import type { Check, Evidence, Probe, ProbeContext, ProbeServices } from './probe.js';
import type { DiagnosisEvent, ProbeResult, Report, Verdict } from './report.js';
import { decideVerdict, isProblemFinding, rankFindings, rankOf, settleFindings } from './verdict.js';
import { BASELINE_ID, callFailedCause, gatherBaseline } from './baseline.js';
import type { Cause } from './finding.js';
import type { Exchange } from '../net/record.js';
import { redactUrl, describeHeaders, redactDeep } from '../core/redact.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../silent-logger.js';
import { monotonicMs } from '../core/clock.js';

export interface RunOptions {
  net?: NetOptionsDraft;
  services?: ProbeServices;
  onEvent?: (event: DiagnosisEvent) => void;
  /** What to run: the pipeline runs what it is given (src/registry.ts lists the defaults), as Lighthouse's runner runs its config's audits. */
  probes: Probe<any, any>[];
  checks: Check[];
  id?: string;
  /**
   * Make the call as OpenCX sends it (default true). Only a caller that runs no endpoint probe at all (OpenCX-side
   * checks alone) turns it off; the verdict's guarantee then covers nothing about the endpoint.
   */
  baseline?: boolean;
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
      onEvent(redactDeep(e));
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
  // Gathered once, whatever probes run: the verdict's guarantee rests on it, and probes compare against this one call.
  // With no endpoint known (OpenCX checks alone) there is no call to make, as when the caller turns it off.
  const makeBaseline = options.baseline !== false && hasEndpoint(input);
  const baseline: Promise<Exchange> = !makeBaseline
    ? Promise.reject(new Error(hasEndpoint(input) ? 'the call as OpenCX sends it is not made in this run' : 'no endpoint known'))
    : gatherBaseline(input, net, diagnosisDeadline);
  baseline.catch(() => {}); // a probe that awaits it still sees the rejection; nobody awaiting it is not an error

  const results = await Promise.all(
    probes.map(async (probe): Promise<ProbeResult> => {
      const t0 = monotonicMs();
      const base = { id: probe.id, title: probe.title, facts: {}, exchanges: [] };
      const skip = !probe.withoutEndpoint && !hasEndpoint(input) ? NO_ENDPOINT : (probe.skip?.(input, options.services ?? {}) ?? null);
      if (skip !== null) {
        const r: ProbeResult = { ...base, status: 'skipped', durationMs: 0, summary: skip };
        emit({ type: 'probe-finished', id, probe: r });
        return r;
      }
      const probeBudget = input.timeoutMs + graceMs;
      const signal = AbortSignal.any([diagnosisDeadline, AbortSignal.timeout(probeBudget)]);
      // A probe not marked withoutEndpoint only gets here with an endpoint (skipped above otherwise): its EndpointInput holds.
      const ctx: ProbeContext<DiagnosisInput> = { input, net, signal, services: options.services ?? {}, baseline };
      let result: ProbeResult;
      try {
        const ev = await raceSignal(probe.gather(ctx), signal, probeBudget);
        evidence.set(probe.id, ev);
        const own = probe.assess(ev, input);
        findings.push(...own);
        const problems = own.filter(isProblemFinding);
        result = {
          ...base,
          status: problems.length ? 'failed' : 'passed',
          durationMs: Math.round(monotonicMs() - t0),
          summary: problems.length ? problems.map((f) => f.title).join('; ') : (probe.summarize?.(ev) ?? own[0]?.title ?? 'OK'),
          facts: ev.facts ?? {},
          exchanges: ev.exchanges,
        };
      } catch (err) {
        result = {
          ...base,
          status: 'error',
          durationMs: Math.round(monotonicMs() - t0),
          summary: `could not run: ${errorLine(err)}`,
        };
      }
      log.debug({ probe: result.id, status: result.status, ms: result.durationMs }, 'probe finished');
      emit({ type: 'probe-finished', id, probe: result });
      return result;
    }),
  );

  // exchange() never throws; the deadline bounds it like any probe.
  const baselineEx = makeBaseline ? await baseline : null;
  if (baselineEx) evidence.set(BASELINE_ID, { exchanges: [baselineEx] });
  const notChecked = results.filter((r) => r.status === 'skipped' || r.status === 'error').map((r) => `${r.title} (${r.summary})`);
  const { findings: ranked, verdict } = conclude({ input, probes, checks, evidence, probeFindings: findings, notChecked });
  const report: Report = redactDeep({
    schemaVersion: 2,
    tool: 'action-debug',
    id,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    input: {
      endpoint: input.endpoint ? redactUrl(input.endpoint) : null,
      method: input.method,
      action: input.action ?? null,
      session: input.session ?? null,
      headers: describeHeaders(input.headers),
      spec: input.spec ? redactUrl(input.spec) : null,
      timeoutMs: input.timeoutMs,
    },
    verdict,
    findings: ranked,
    probes: results,
    checked: results.filter((r) => r.status === 'passed' || r.status === 'failed').map((r) => r.title),
  } satisfies Report);
  log.info({ endpoint: report.input.endpoint, family: report.verdict.family, cause: report.verdict.cause, ms: report.durationMs }, 'diagnosis finished');
  emit({ type: 'finished', id, report });
  return report;
}

/** Why a probe of the endpoint did not run: nobody gave the endpoint and OpenCX had no saved one to give. */
export const NO_ENDPOINT = 'not checked (no endpoint known: give one, or let OpenCX give the action\'s saved endpoint)';

export interface Conclusion {
  input: DiagnosisInput;
  probes: Probe<any>[];
  checks: Check[];
  /** Each probe's evidence by id, and the baseline under BASELINE_ID when it was made. */
  evidence: ReadonlyMap<string, Evidence>;
  /** What the probes' assess() found. */
  probeFindings: Finding[];
  notChecked: string[];
}

/**
 * From evidence to verdict, without I/O: checks over several probes' evidence, the guarantee on the baseline, ranking
 * and the verdict. runDiagnosis ends here, and tests feed it recorded exchanges.
 */
export function conclude(c: Conclusion): { findings: Finding[]; verdict: Verdict } {
  const findings = [...c.probeFindings];
  for (const check of c.checks) {
    if (check.needs.every((n) => c.evidence.has(n))) findings.push(...check.assess(c.evidence, c.input));
  }
  const causes: Cause[] = [...c.probes.flatMap((p) => p.causes), ...c.checks.flatMap((k) => k.causes), callFailedCause];
  const causeById = new Map(causes.map((x) => [x.id, x]));
  const causeOf = (cid: string) => causeById.get(cid);
  const baseline = c.evidence.get(BASELINE_ID)?.exchanges[0] ?? null;
  const ranked = rankFindings(settleFindings(dedupe(findings), baseline, causeOf), rankOf(causes));
  const recheckLabels = new Map(c.probes.flatMap((p) => (p.recheckLabel ? [[p.id, p.recheckLabel] as const] : [])));
  return { findings: ranked, verdict: decideVerdict(ranked, { notChecked: c.notChecked, causeOf, recheckLabels, always: c.input.spec ? ['spec-import'] : [] }) };
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


