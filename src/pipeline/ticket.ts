import * as z from 'zod';
import { FamilySchema } from './finding.js';

export const UrgencySchema = z.enum(['low', 'normal', 'high', 'urgent']);

/**
 * A support ticket, exactly as the webhook (SUPPORT_WEBHOOK_URL) receives it and `action-debug ticket N --json` prints it.
 * Evidence is already redacted: no header value or token is ever part of a ticket.
 */
export const TicketSchema = z.object({
  number: z.number().int(),
  status: z.enum(['open', 'resolved']),
  createdAt: z.string(),
  createdBy: z.string().describe('Slack user id (or "cli")'),
  diagnosisId: z.string(),
  action: z.string().nullable(),
  session: z.string().nullable(),
  endpoint: z.string(),
  method: z.string(),
  family: FamilySchema.nullable(),
  familyTitle: z.string().nullable(),
  cause: z.string(),
  title: z.string(),
  fix: z.string(),
  evidence: z.array(z.string()),
  alsoFound: z.array(z.string()),
  /** What was already tried: re-runs and follow-up checks, oldest first. */
  tried: z.array(z.string()),
  firstFailureAt: z.string().nullable(),
  threadLink: z.string().nullable(),
  expected: z.string(),
  impact: z.string(),
  urgency: UrgencySchema,
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});
export type Ticket = z.infer<typeof TicketSchema>;
export type TicketDraft = Omit<Ticket, 'number' | 'status' | 'createdAt' | 'resolvedBy' | 'resolvedAt'>;
