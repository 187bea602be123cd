import * as z from 'zod';
import { isIP } from 'node:net';

/**
 * Parses a hosts override, "a.lab.test=127.0.0.1;b.lab.test=" (ACTION_DEBUG_HOSTS / --resolve): like /etc/hosts,
 * consulted before DNS. An empty address list means "this name has no answer". Lets the lab use real host names
 * (and real certificate names) without touching any DNS server.
 */
export function parseHosts(spec: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!spec) return out;
  for (const part of spec.split(/[;\n]/).map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`host override "${part}" must look like name=address[,address]`);
    const name = part.slice(0, i).trim().toLowerCase();
    const addrs = part
      .slice(i + 1)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const a of addrs) if (!isIP(a)) throw new Error(`host override for ${name}: "${a}" is not an IP address`);
    out[name] = [...(out[name] ?? []), ...addrs];
  }
  return out;
}

export const HostsSchema = z.string().optional().transform((s, ctx) => {
  try {
    return parseHosts(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
