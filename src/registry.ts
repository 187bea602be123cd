import type { Check, Probe } from './pipeline/probe.js';
import type { Cause } from './pipeline/finding.js';
import type { DiagnosisInput } from './pipeline/input.js';
import type { Report } from './pipeline/report.js';
import { causesOf } from './pipeline/catalogue.js';
import { runDiagnosis, type RunOptions } from './pipeline/run.js';
import { ipAllowlistCheck } from './checks/ip-allowlist.js';
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
import { auditCauses } from './audit/causes.js';

/** Every probe a diagnosis runs, in the order they are listed on the card. */
export const defaultProbes: Probe<any>[] = [
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
export const defaultChecks: Check[] = [ipAllowlistCheck];

/** A diagnosis with every registered probe and check: what the faces (CLI, Slack, demo) call. */
export function diagnose(input: DiagnosisInput, options: Omit<RunOptions, 'probes' | 'checks'> = {}): Promise<Report> {
  return runDiagnosis(input, { ...options, probes: defaultProbes, checks: defaultChecks });
}

/** Every cause a diagnosis can name, gathered from the registered probes and checks. */
export function catalogue(extra: Cause[] = []): Cause[] {
  return causesOf([...defaultProbes, ...defaultChecks], [...Object.values(auditCauses), ...extra]);
}
