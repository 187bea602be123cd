import { z } from 'zod';

export const StoreSettingsSchema = z.object({
  DATABASE_PATH: z.string().min(1).default('./data/action-debug.db'),
  /** Seals Slack installation tokens (OAuth installs) at rest. */
  INSTALLATION_ENCRYPTION_KEY: z.string().min(16).optional(),
});
