import type { Cause } from './finding.js';
import { FAMILIES } from './finding.js';

/** Every cause the given probes and checks can name (never listed by hand), one per id, by family. */
export function causesOf(sources: { causes: Cause[] }[], extra: Cause[] = []): Cause[] {
  const all = [...sources.flatMap((s) => s.causes), ...extra];
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
