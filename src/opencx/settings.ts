import * as z from 'zod';
import { Secret } from '../core/secret.js';
import { requireHttps } from '../config/https-setting.js';

export const OpenCxSettingsSchema = z.object({
  /** Read only to know whether the lab switch is on (http:// OpenCX URL allowed for a local fake). */
  ACTION_DEBUG_ALLOW_PRIVATE: z.string().optional(),
  OPENCX_API_KEY: z.string().min(1).optional().transform((v) => (v ? new Secret(v) : undefined)),
  OPENCX_API_URL: z.url().default('https://api.open.cx'),
  OPENCX_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Kept under OpenCX's 100 requests/minute per key. */
  OPENCX_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(99).default(90),
}).superRefine(requireHttps(['OPENCX_API_URL']));
export type OpenCxSettings = z.infer<typeof OpenCxSettingsSchema>;
