import { OpenCxClient } from './client.js';
import { OpenCxFacts, type OpenCxServices } from './facts.js';
import { OpenCxSettingsSchema } from './settings.js';

/** The OpenCX services for a diagnosis, from the environment; empty (probes say "not checked") without a key. */
export function opencxServicesFromEnv(env: NodeJS.ProcessEnv): OpenCxServices {
  const s = OpenCxSettingsSchema.parse(env);
  if (!s.OPENCX_API_KEY) return {};
  return { opencx: new OpenCxFacts(new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY })) };
}
