import { z } from 'zod';
import { Secret } from '../core/secret.js';

export const OpenCxSettingsSchema = z.object({
  OPENCX_API_KEY: z.string().min(1).optional().transform((v) => (v ? new Secret(v) : undefined)),
  OPENCX_API_URL: z.url().default('https://api.open.cx'),
  OPENCX_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Kept under OpenCX's 100 requests/minute per key. */
  OPENCX_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(99).default(90),
});
export type OpenCxSettings = z.infer<typeof OpenCxSettingsSchema>;
