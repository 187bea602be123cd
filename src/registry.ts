import type { Check, Probe, ProbeRef } from './pipeline/probe.js';
import type { Cause } from './pipeline/finding.js';
import type { DiagnosisInput } from './pipeline/input.js';
import type { Report } from './pipeline/report.js';
import { causesOf } from './pipeline/catalogue.js';
import { runDiagnosis, type RunOptions } from './pipeline/run.js';
import { ipAllowlistCheck } from './checks/ip-allowlist.js';
import { forbiddenCheck } from './checks/forbidden.js';
import { limiter503Check } from './checks/limiter-503.js';
import { callFailedCause } from './pipeline/baseline.js';
import { requestProbe } from './probes/request.js';
import { dnsProbe } from './probes/dns.js';
import { tlsProbe } from './probes/tls.js';
import { headerBlockingProbe } from './probes/header-blocking.js';
import { authProbe } from './probes/auth.js';
import { corsProbe } from './probes/cors.js';
import { rateLimitProbe } from './probes/rate-limit.js';
import { specImportProbe } from './probes/spec-import.js';
import { opencxActionProbe } from './probes/opencx-action.js';
import { opencxChannelProbe } from './probes/opencx-channel.js';
import { opencxSegmentsProbe } from './probes/opencx-segments.js';
import { opencxDescriptionProbe } from './probes/opencx-description.js';
import { opencxHistoryProbe } from './probes/opencx-history.js';

/** Every probe a diagnosis runs, in the order they are listed on the card. */
export const defaultProbes: Probe<any, any>[] = [
  dnsProbe,
  tlsProbe,
  requestProbe,
  headerBlockingProbe,
  authProbe,
  corsProbe,
  rateLimitProbe,
  specImportProbe,
  opencxActionProbe,
  opencxChannelProbe,
  opencxSegmentsProbe,
  opencxDescriptionProbe,
  opencxHistoryProbe,
];

/** Rules that read the evidence of several probes. */
export const defaultChecks: Check[] = [ipAllowlistCheck, forbiddenCheck, limiter503Check];

/** A diagnosis with every registered probe and check: what the faces (CLI, Slack, demo) call. */
export function diagnose(input: DiagnosisInput, options: Omit<RunOptions, 'probes' | 'checks'> = {}): Promise<Report> {
  return runDiagnosis(input, { ...options, probes: defaultProbes, checks: defaultChecks });
}

/** The probes as lists show them (id and title), in card order. */
export const probeRefs = (): ProbeRef[] => defaultProbes.map((p) => ({ id: p.id, title: p.title }));

/**
 * One probe re-run alone (a follow-up button), with the baseline and the checks over it, so its verdict keeps the
 * guarantee; null when no such probe is registered.
 */
export function recheck(input: DiagnosisInput, probeId: string, options: Omit<RunOptions, 'probes' | 'checks'> = {}): Promise<Report> | null {
  const probe = defaultProbes.find((p) => p.id === probeId);
  return probe ? runDiagnosis(input, { ...options, probes: [probe], checks: defaultChecks }) : null;
}

/** Whether a finding could come from a run of this probe alone: its own, or from the baseline and the checks. */
export function fromRecheckOf(probeId: string): (f: { source: string }) => boolean {
  const others = new Set(defaultProbes.map((p) => p.id).filter((id) => id !== probeId));
  return (f) => !others.has(f.source);
}

/** Every cause a diagnosis can name, gathered from the registered probes and checks. */
export function catalogue(extra: Cause[] = []): Cause[] {
  return causesOf([...defaultProbes, ...defaultChecks], [callFailedCause, ...extra]);
}
