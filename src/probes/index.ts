import type { Check, Probe } from '../pipeline/probe.js';

/** Every probe a diagnosis runs, in the order they are listed on the card. */
export const defaultProbes: Probe<any>[] = [];

/** Rules that read the evidence of several probes. */
export const defaultChecks: Check[] = [];
