import * as z from 'zod';

/** Limits and timing of watches, per workspace. */
export const WatchSettingsSchema = z.object({
  /** Active watches a workspace may have (each "watch all" counts as one). */
  WATCH_MAX_PER_WORKSPACE: z.coerce.number().int().min(1).max(500).default(20),
  /** The shortest interval a watch may ask for (minutes; fractions allowed for tests). */
  WATCH_MIN_INTERVAL_MINUTES: z.coerce.number().positive().max(1440).default(5),
  /** The interval when `every=` is left out (minutes). */
  WATCH_DEFAULT_INTERVAL_MINUTES: z.coerce.number().positive().max(10080).default(15),
  /** How often the app looks for due watches and for actions changed in OpenCX (their updated_at), in seconds. */
  WATCH_TICK_SECONDS: z.coerce.number().positive().max(3600).default(30),
});
export type WatchSettings = z.infer<typeof WatchSettingsSchema>;
