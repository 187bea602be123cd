import type { Cause, Finding } from './finding.js';
import type { DiagnosisInput, EndpointInput } from './input.js';
import type { Exchange } from '../net/record.js';
import type { NetOptions } from '../net/options.js';

/** What every probe gets: the validated input, how to reach the network, and the diagnosis deadline. */
export interface ProbeContext<I extends DiagnosisInput = EndpointInput> {
  /** Probes of the endpoint get an input whose endpoint is known; probes marked `withoutEndpoint` get it as given. */
  input: I;
  net: NetOptions;
  /** Aborts when the whole diagnosis runs out of time. */
  signal: AbortSignal;
  /**
   * The call exactly as OpenCX sends it, made once by the pipeline and shared: a probe compares its variants with
   * this one instead of sending it again (two copies could get different answers and disagree).
   */
  baseline: Promise<Exchange>;
  /** Services a probe may read besides the endpoint (set by the caller; absent = not configured). */
  services: ProbeServices;
}

/** Extension point for adapters (OpenCX API, ...); each adds an optional field here. */
export interface ProbeServices {
  [name: string]: unknown;
}

/** Evidence is what a probe saw; exchanges are rendered in details, facts as `key: value` lines. */
export interface Evidence {
  exchanges: Exchange[];
  facts?: Record<string, string | number | boolean | null>;
}

/**
 * A probe gathers evidence (network I/O only) and assesses it (pure: evidence → findings).
 * Keeping the two apart lets tests feed recorded evidence to assess(), and lets renderers show evidence
 * without knowing what the probe decided.
 */
export interface Probe<E extends Evidence = Evidence, I extends DiagnosisInput = EndpointInput> {
  id: string;
  title: string;
  causes: Cause[];
  /**
   * Set on probes that read something other than the endpoint (the OpenCX API): they also run when no endpoint is
   * known. Every other probe is skipped then, with "no endpoint known".
   */
  withoutEndpoint?: I extends EndpointInput ? never : true;
  /** A reason to skip for this input (or missing service), or null to run. */
  skip?(input: I, services: ProbeServices): string | null;
  gather(ctx: ProbeContext<I>): Promise<E>;
  assess(evidence: E, input: I): Finding[];
  /** The button label when this probe is offered as a follow-up check (e.g. "Re-check Authorization"). */
  recheckLabel?: string;
  /** The one-line summary when no problem was found (default: "OK"). */
  summarize?(evidence: E): string;
}

/** A rule that needs the evidence of several probes (e.g. "DNS answered but TCP was refused"). */
export interface Check {
  id: string;
  causes: Cause[];
  needs: string[];
  assess(evidence: ReadonlyMap<string, Evidence>, input: DiagnosisInput): Finding[];
}

/** A probe as the caller sees it in lists: id and title. */
export type ProbeRef = Pick<Probe, 'id' | 'title'>;
