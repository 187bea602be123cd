import * as z from 'zod';

/**
 * Named step boundaries (`escalate:after-commit`, `diagnose:during-probes`, …) where the crash-point tests kill the app.
 * They do nothing unless ACTION_DEBUG_CRASH_AT names one; then the process SIGKILLs itself there, exactly as a crash or
 * an OOM kill would (no cleanup, no flush), so the tests can prove what survives each step. Not a user setting.
 */
const CrashAtSchema = z.string().regex(/^[a-z-]+:[a-z-]+$/).optional().catch(undefined);
const crashAt = CrashAtSchema.parse(process.env['ACTION_DEBUG_CRASH_AT'] || undefined);

export function crashPoint(name: `${string}:${string}`): void {
  if (crashAt !== name) return;
  process.stderr.write(`crash point ${name}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
