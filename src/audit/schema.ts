import * as z from 'zod';
import { FamilySchema, SeveritySchema } from '../pipeline/finding.js';

/**
 * What an audit says about one action. `needs-credentials`: the endpoint answered 401/403 to a call without credentials
 * and nothing else is wrong; OpenCX's action records carry no saved header values, so the audit cannot tell a working
 * token from a broken one (diagnose that action with its header to know).
 */
export const AuditStatusSchema = z.enum(['ok', 'broken', 'needs-credentials', 'not-checked']);
export type AuditStatus = z.infer<typeof AuditStatusSchema>;

export const AuditVerdictSchema = z.object({
  /** null: no problem found (ok), or nothing to say (needs-credentials, not-checked). */
  family: FamilySchema.nullable(),
  /** A catalogue cause id, or "none", "needs-credentials", "not-checked". */
  cause: z.string(),
  title: z.string(),
  fix: z.string(),
  severity: SeveritySchema.exclude(['info']).nullable(),
});
export type AuditVerdict = z.infer<typeof AuditVerdictSchema>;

export const AuditActionSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The saved endpoint, secrets in its query redacted; "" when none is saved. */
  endpoint: z.string(),
  method: z.string(),
  status: AuditStatusSchema,
  verdict: AuditVerdictSchema,
  /** The stored diagnosis behind the verdict (null when none ran). */
  diagnosisId: z.string().nullable(),
  durationMs: z.number(),
});
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const BrokenLineSchema = z.object({
  id: z.string(),
  name: z.string(),
  family: FamilySchema,
  cause: z.string(),
  title: z.string(),
  fix: z.string(),
  severity: SeveritySchema.exclude(['info']),
});
export type BrokenLine = z.infer<typeof BrokenLineSchema>;

export const AuditSummarySchema = z.object({
  total: z.number().int(),
  /** Diagnosed so far (equals total once the audit is complete). */
  done: z.number().int(),
  ok: z.number().int(),
  broken: z.number().int(),
  needsCredentials: z.number().int(),
  notChecked: z.number().int(),
  /** Broken actions per family of their verdict ("1".."5"). */
  byFamily: z.record(z.enum(['1', '2', '3', '4', '5']), z.number().int()),
  /** One line per broken action, errors before warnings, then by family and name. */
  brokenActions: z.array(BrokenLineSchema),
  complete: z.boolean(),
  /** The audit hit its time limit: the actions not reached are counted in notChecked. */
  timedOut: z.boolean(),
  /** Records in OpenCX's action list with no readable id or name: not diagnosable, not in `total`. */
  unreadableRecords: z.number().int().default(0),
  startedAt: z.string(),
  durationMs: z.number(),
});
export type AuditSummary = z.infer<typeof AuditSummarySchema>;

/** `action-debug audit --json`: stable; fields are only ever added. */
export const AuditJsonSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.literal('action-debug'),
  kind: z.literal('audit'),
  actions: z.array(AuditActionSchema),
  summary: AuditSummarySchema,
});
export type AuditJson = z.infer<typeof AuditJsonSchema>;
