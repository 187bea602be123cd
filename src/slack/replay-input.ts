import { z } from 'zod';
import { DiagnosisInputSchema, type DiagnosisInput } from '../pipeline/input.js';

/**
 * A card's input as it may be stored: everything needed to run it again except header values, which are credentials
 * and are never written anywhere. Only their names are kept, so a re-run after a restart can say what is missing.
 */
export const ReplayInputSchema = DiagnosisInputSchema.omit({ headers: true }).extend({ headerNames: z.array(z.string()).default([]) });
export type ReplayInput = z.infer<typeof ReplayInputSchema>;

export function toReplay(input: DiagnosisInput): ReplayInput {
  const { headers, ...rest } = input;
  return { ...rest, headerNames: headers.map((h) => h.name) };
}

/** The stored input back as a diagnosis input (with no headers), and the names of the headers it had. */
export function fromReplay(stored: unknown): { input: DiagnosisInput; missingHeaders: string[] } | null {
  const r = ReplayInputSchema.safeParse(stored);
  if (!r.success) return null;
  const { headerNames, ...rest } = r.data;
  return { input: { ...rest, headers: [] }, missingHeaders: headerNames };
}
