import type { Cause } from './finding.js';
import { FAMILIES } from './finding.js';
import { defaultChecks, defaultProbes } from '../probes/index.js';

/** Every cause a diagnosis can name, gathered from the probes and checks that detect them (never listed by hand). */
export function catalogue(extra: Cause[] = []): Cause[] {
  const all = [...defaultProbes.flatMap((p) => p.causes), ...defaultChecks.flatMap((c) => c.causes), ...extra];
  const byId = new Map<string, Cause>();
  for (const c of all) if (!byId.has(c.id)) byId.set(c.id, c);
  return [...byId.values()].sort((a, b) => a.family - b.family || a.id.localeCompare(b.id));
}

/** The README table: id, family, what it means, the fix. */
export function catalogueMarkdown(causes: Cause[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = causes.map((c) => `| \`${c.id}\` | ${c.family} | ${c.severity} | ${esc(c.meaning)} | ${esc(c.fix)} |`);
  return [
    `| id | family | severity | what it means | the fix |`,
    `|---|---|---|---|---|`,
    ...rows,
    '',
    `Families: ${Object.entries(FAMILIES).map(([n, t]) => `${n} = ${t}`).join('; ')}.`,
  ].join('\n');
}
