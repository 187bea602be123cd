import * as z from 'zod';
import { FamilySchema, FindingSchema } from './finding.js';
import { ExchangeSchema } from '../net/record.js';

export const ProbeStatusSchema = z.enum(['passed', 'failed', 'skipped', 'error']);
export type ProbeStatus = z.infer<typeof ProbeStatusSchema>;

export const ProbeResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: ProbeStatusSchema,
  durationMs: z.number(),
  /** One line: what the probe concluded, or why it was skipped or could not run. */
  summary: z.string(),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  exchanges: z.array(ExchangeSchema),
});
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

export const FollowUpSchema = z.object({
  /** The probe to run again alone. */
  probe: z.string(),
  label: z.string(),
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

export const VerdictSchema = z.object({
  /** null = no problem found (only ever when the call as OpenCX sends it got a usable 2xx). */
  family: FamilySchema.nullable(),
  familyTitle: z.string().nullable(),
  /** Cause id of the most likely cause (from the catalogue), or "none". */
  cause: z.string(),
  title: z.string(),
  fix: z.string(),
  /** Other causes found, most likely first (ids). */
  alsoFound: z.array(z.string()),
  /** What is left to check when nothing failed. */
  next: z.string().nullable(),
  /** What was seen for the most likely cause (secrets redacted); empty when no problem was found. */
  evidence: z.array(z.string()).default([]),
  /** Checks worth re-running alone after this verdict, declared on the causes found. */
  followUps: z.array(FollowUpSchema).default([]),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/**
 * The stable JSON document `action-debug diagnose --json` prints (schemaVersion 2).
 * Fields are only ever added; a breaking change bumps schemaVersion.
 * 2: `input.endpoint` is null when no endpoint was known (a diagnosis from a session and an action name alone).
 */
export const ReportSchema = z.object({
  schemaVersion: z.literal(2),
  tool: z.literal('action-debug'),
  id: z.string().describe('Diagnosis id, links logs, Slack messages and tickets'),
  startedAt: z.string(),
  durationMs: z.number(),
  input: z.object({
    /** null when no endpoint was given and OpenCX had none saved (or could not be read). */
    endpoint: z.string().nullable(),
    method: z.string(),
    action: z.string().nullable(),
    session: z.string().nullable(),
    /** Header names with redacted values, e.g. { Authorization: "Bearer <40 chars>" }. */
    headers: z.record(z.string(), z.string()),
    spec: z.string().nullable(),
    timeoutMs: z.number(),
  }),
  verdict: VerdictSchema,
  findings: z.array(FindingSchema).describe('Most likely first'),
  probes: z.array(ProbeResultSchema),
  /** Titles of everything that was checked. */
  checked: z.array(z.string()),
});
export type Report = z.infer<typeof ReportSchema>;

export type DiagnosisEvent =
  | { type: 'started'; id: string; probes: { id: string; title: string }[] }
  | { type: 'probe-finished'; id: string; probe: ProbeResult }
  | { type: 'finished'; id: string; report: Report };
