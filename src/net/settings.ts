import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseHosts } from './hosts.js';
import { NetOptionsSchema, type NetOptions } from './options.js';

const flag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim()));

/** The probe settings every face (CLI, Slack app, demo) reads from the environment. */
export const NetEnvSchema = z.object({
  ACTION_DEBUG_ALLOW_PRIVATE: flag,
  ACTION_DEBUG_HOSTS: z.string().optional(),
  ACTION_DEBUG_MAX_BODY_KB: z.coerce.number().int().positive().optional(),
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
    allowPrivate: overrides.allowPrivate || e.ACTION_DEBUG_ALLOW_PRIVATE,
    hosts: { ...parseHosts(e.ACTION_DEBUG_HOSTS), ...parseHosts(overrides.hosts) },
    extraCa,
    ...(e.ACTION_DEBUG_MAX_BODY_KB ? { maxBodyBytes: e.ACTION_DEBUG_MAX_BODY_KB * 1024 } : {}),
  });
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
