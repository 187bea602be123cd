import * as z from 'zod';
import { DiagnosisInputSchema, type DiagnosisInput } from '../pipeline/input.js';
import { redactUrl } from '../core/redact.js';

/**
 * A card's input as it may be stored: everything needed to run it again except header values, which are credentials
 * and are never written anywhere. Only their names are kept, so a re-run after a restart can say what is missing.
 */
export const ReplayInputSchema = DiagnosisInputSchema.omit({ headers: true }).extend({ headerNames: z.array(z.string()).default([]) });
export type ReplayInput = z.infer<typeof ReplayInputSchema>;

export function toReplay(input: DiagnosisInput): ReplayInput {
  const { headers, ...rest } = input;
  // Credentials in a URL (api_key=…, user:pass@) are never stored either: they become [redacted], and a re-run after a
  // restart asks for them like for a header value.
  const endpoint = rest.endpoint === undefined ? undefined : withoutCredentials(rest.endpoint);
  const spec = rest.spec === undefined ? undefined : withoutCredentials(rest.spec);
  const missing = [...(endpoint !== rest.endpoint ? ["the endpoint URL's credentials"] : []), ...(spec !== rest.spec ? ["the spec URL's credentials"] : [])];
  return { ...rest, ...(endpoint === undefined ? {} : { endpoint }), ...(spec === undefined ? {} : { spec }), headerNames: [...headers.map((h) => h.name), ...missing] };
}

/** The stored input back as a diagnosis input (with no headers), and the names of the headers it had. */
export function fromReplay(stored: unknown): { input: DiagnosisInput; missingHeaders: string[] } | null {
  const r = ReplayInputSchema.safeParse(stored);
  if (!r.success) return null;
  const { headerNames, ...rest } = r.data;
  return { input: { ...rest, headers: [] }, missingHeaders: headerNames };
}

/** The URL itself when it carries no credential; otherwise its redacted form (redactUrl also normalises, so compare marks). */
export function withoutCredentials(url: string): string {
  const redacted = redactUrl(url);
  return redacted.includes('[redacted]') || /^[a-z]+:\/\/redacted[:@]/i.test(redacted) ? redacted : url;
}
