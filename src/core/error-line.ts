import { clip, redactText } from './redact.js';

/** The first line of an error, bounded: what the CLI prints instead of a stack trace. */
export function errorLine(err: unknown): string {
  // A settings error from zod: its message is JSON of its issues; say each one plainly (duck-typed, so the CLI's fast
  // paths need not load zod).
  const issues = (err as { issues?: { path?: PropertyKey[]; message?: string }[] } | null)?.issues;
  if (err instanceof Error && err.name === 'ZodError' && Array.isArray(issues)) {
    return clip(issues
      .map((i) => {
        const where = i.path?.map(String).join('.') ?? '';
        const msg = i.message ?? 'invalid';
        return !where || msg.startsWith(where) ? msg : `${where}: ${msg}`;
      })
      .join('; '), 300, '');
  }
  const msg = err instanceof Error ? err.message : String(err);
  // Scrubbed before it is split and cut (clip): a secret the message quotes is never left half.
  return clip(redactText(msg).split('\n')[0]!, 300, '');
}
