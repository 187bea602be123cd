import * as z from 'zod';

/** The audit's politeness and time bounds (every face: CLI, Slack). */
export const AuditSettingsSchema = z.object({
  /** Diagnoses running at once during an audit, each against a different host. */
  AUDIT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(6),
  /** Requests in flight to one host during an audit (probes included): 1 or 2. */
  AUDIT_PER_HOST: z.coerce.number().int().min(1).max(2).default(2),
  /** The whole audit: after this, no new diagnosis starts and the actions left are "not checked". */
  AUDIT_MAX_SECONDS: z.coerce.number().int().min(10).max(3600).default(600),
});
export type AuditSettings = z.infer<typeof AuditSettingsSchema>;
