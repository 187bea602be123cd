import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { parseHosts } from './hosts.js';
import { NetOptionsSchema, type NetOptions } from './options.js';

/** "1"/"true" opens every private range; a comma-separated CIDR list opens only those ("127.0.0.1/32,::1/128"). */
const allowPrivateSetting = z
  .string()
  .optional()
  .transform((v): boolean | string[] => {
    const t = v?.trim() ?? '';
    if (/^(1|true|yes|on)$/i.test(t)) return true;
    if (t === '' || /^(0|false|no|off)$/i.test(t)) return false;
    return t.split(',').map((x) => x.trim()).filter(Boolean);
  });

/** The probe settings every face (CLI, Slack app, demo) reads from the environment. */
export const NetEnvSchema = z.object({
  ACTION_DEBUG_ALLOW_PRIVATE: allowPrivateSetting,
  ACTION_DEBUG_HOSTS: z.string().optional(),
  ACTION_DEBUG_MAX_BODY_KB: z.coerce.number().int().positive().optional(),
  /** Every diagnosis waits at most this long for the endpoint (seconds, ≤ 60); a shorter --timeout / timeout= still wins. */
  ACTION_DEBUG_TIMEOUT_S: z.coerce.number().min(0.1, 'ACTION_DEBUG_TIMEOUT_S must be at least 0.1').max(60, 'ACTION_DEBUG_TIMEOUT_S cannot exceed OpenCX\'s 60 s').optional(),
  NODE_EXTRA_CA_CERTS: z.string().optional(),
});

export interface NetOverrides {
  allowPrivate?: boolean;
  hosts?: string;
  caFiles?: string[];
}

/**
 * Builds NetOptions from env plus command-line overrides. When we pass our own `ca` list, Node no longer adds
 * NODE_EXTRA_CA_CERTS by itself, so that file is read here too.
 */
export function netOptionsFromEnv(env: NodeJS.ProcessEnv, overrides: NetOverrides = {}): NetOptions {
  const e = NetEnvSchema.parse(env);
  const caFiles = overrides.caFiles ?? [];
  const extraCa = caFiles.length ? [...caFiles, ...(e.NODE_EXTRA_CA_CERTS ? [e.NODE_EXTRA_CA_CERTS] : [])].map(readCa) : [];
  return NetOptionsSchema.parse({
    allowPrivate: overrides.allowPrivate ? true : e.ACTION_DEBUG_ALLOW_PRIVATE,
    hosts: { ...parseHosts(e.ACTION_DEBUG_HOSTS), ...parseHosts(overrides.hosts) },
    extraCa,
    ...(e.ACTION_DEBUG_MAX_BODY_KB ? { maxBodyBytes: e.ACTION_DEBUG_MAX_BODY_KB * 1024 } : {}),
    ...(e.ACTION_DEBUG_TIMEOUT_S ? { maxTimeoutMs: Math.round(e.ACTION_DEBUG_TIMEOUT_S * 1000) } : {}),
  });
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
