import * as z from 'zod';

/** The lab switch as the settings read it: ACTION_DEBUG_ALLOW_PRIVATE=1 (everything open, for the lab, tests and demo). */
export function labSwitchOn(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value?.trim() ?? '');
}

/**
 * Adds to a settings schema's checks: each named URL setting must be https://, since what it carries (the OpenCX key,
 * a ticket's contents) would otherwise travel in clear text. Only the lab switch lets http:// through, for local fakes.
 */
export function requireHttps<K extends string>(names: readonly K[]) {
  return (s: Partial<Record<K, string | undefined>> & { ACTION_DEBUG_ALLOW_PRIVATE?: string | undefined }, ctx: z.RefinementCtx): void => {
    if (labSwitchOn(s.ACTION_DEBUG_ALLOW_PRIVATE)) return;
    for (const name of names) {
      const v = s[name];
      if (v !== undefined && !/^https:\/\//i.test(v)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `${name} must be an https:// URL (http:// only with the lab switch, ACTION_DEBUG_ALLOW_PRIVATE=1)` });
      }
    }
  };
}
