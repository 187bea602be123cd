import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The environment the settings schemas read: a `.env` file (when given and present) under the real environment, which
 * wins, and with blank values dropped, so a copied `.env.example` with `SLACK_APP_TOKEN=` means "not set", not "set to
 * an empty, invalid token".
 */
export function settingsEnv(env: NodeJS.ProcessEnv = process.env, file: string | null = '.env'): NodeJS.ProcessEnv {
  const fromFile = file && existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const merged: NodeJS.ProcessEnv = { ...fromFile, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined || v.trim() === '') delete merged[k];
  return merged;
}
