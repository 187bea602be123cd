import * as z from 'zod';

export const StoreSettingsSchema = z.object({
  DATABASE_PATH: z.string().min(1).default('./data/action-debug.db'),
  /** postgres://… selects PostgreSQL (several instances share it); without it, the SQLite file at DATABASE_PATH. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// (or postgresql://) URL').optional(),
  /** Seals Slack installation tokens (OAuth installs) at rest. */
  INSTALLATION_ENCRYPTION_KEY: z.string().min(16).optional(),
  /** Graceful stop (SIGTERM): how long running diagnoses may finish before they are handed back to the next start. */
  STOP_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(20),
  /** A claim on work lasts this long unless its process renews it: after a crash, another start or instance takes it then. */
  WORK_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
});
