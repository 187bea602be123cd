import * as z from 'zod';

/** The five families of OpenCX's troubleshooting page. */
export const FAMILIES = {
  1: 'OpenAPI import fails (invalid_tool_schema)',
  2: '401/403 in production although Test works',
  3: 'The production call never lands',
  4: 'The AI never calls the action',
  5: 'None of these: escalate to support',
} as const;

export const FamilySchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);
export type Family = z.infer<typeof FamilySchema>;

/** error: breaks the action; warning: likely to break it or degrade answers; info: a fact worth knowing. */
export const SeveritySchema = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

export const FindingSchema = z.object({
  id: z.string().describe('Cause id from the catalogue'),
  family: FamilySchema,
  severity: SeveritySchema,
  title: z.string(),
  evidence: z.array(z.string()).describe('What was seen, secrets redacted'),
  fix: z.string(),
  source: z.string().describe('The probe or check that produced it'),
});
export type Finding = z.infer<typeof FindingSchema>;

/** One entry of the catalogue: the cause, its family and the fix, next to the code that detects it. */
export interface Cause {
  id: string;
  family: Family;
  severity: Severity;
  title: string;
  /** What it means, for the README table. */
  meaning: string;
  fix: string;
  /**
   * Among findings of the same severity, the higher rank is the more specific explanation and wins the
   * verdict (a TLS error explains a generic network error, not the other way round). Default 50.
   */
  rank?: number;
  /**
   * An honest catch-all (e.g. "403 whatever is sent"): shown only when no specific cause explains the failure, so it
   * never crowds "Also found" beneath the real explanation.
   */
  catchAll?: boolean;
  /** Ids of the probes worth re-running alone after this cause is named (follow-up buttons). */
  followUps?: string[];
}

export function defineCause(cause: Cause): Cause {
  // A call that never lands (family 3) may still work from the widget, where CORS decides: offer that check by default.
  return cause.followUps === undefined && cause.family === 3 ? { ...cause, followUps: ['cors'] } : cause;
}

/** The one predicate every face uses: a finding that is a problem (not a fact worth knowing). */
export function isProblemFinding(f: Pick<Finding, 'severity'>): boolean {
  return f.severity !== 'info';
}

/** A finding for a catalogued cause; title and fix may be sharpened with what was seen. */
export function finding(
  cause: Cause,
  source: string,
  evidence: string[],
  overrides: { title?: string; fix?: string; severity?: Severity } = {},
): Finding {
  return {
    id: cause.id,
    family: cause.family,
    severity: overrides.severity ?? cause.severity,
    title: overrides.title ?? cause.title,
    evidence,
    fix: overrides.fix ?? cause.fix,
    source,
  };
}
