import dns from 'node:dns';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { classifyAddress, inRanges, isBlockedName, refusalMessage } from './address-policy.js';
import type { NetOptions } from './options.js';
import { monotonicMs } from '../core/clock.js';

export class GuardError extends Error {
  readonly code = 'ERR_SSRF_BLOCKED';
  constructor(message: string, readonly address: string) {
    super(message);
  }
}

export class NoAnswerError extends Error {
  readonly code = 'ENOTFOUND';
  constructor(readonly hostname: string) {
    super(`${hostname} has no DNS answer`);
  }
}

/** Names RFC 6761 reserves: answered here, never sent to a DNS server. */
function reservedAnswer(host: string): string[] | null {
  if (host === 'localhost' || host.endsWith('.localhost')) return ['127.0.0.1', '::1'];
  if (host.endsWith('.invalid') || host === 'invalid' || host.endsWith('.test') || host === 'test') return [];
  return null;
}

/** Resolves a name once: hosts override, reserved names, then the system resolver. */
export async function resolveAll(host: string, net: NetOptions): Promise<string[]> {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (isIP(name)) return [name];
  const override = net.hosts[name];
  if (override) return override;
  // Refused before any DNS query leaves the machine.
  if (isBlockedName(name) && net.allowPrivate !== true) throw new GuardError(refusalMessage(name, name, 'names a private or metadata zone'), name);
  const reserved = reservedAnswer(name);
  if (reserved) return reserved;
  if (net.resolver) return net.resolver(name);
  const answers = await dns.promises.lookup(name, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/** Throws GuardError unless every address may be probed; mixed answers are refused whole (rebinding). */
export function assertAllowed(host: string, addresses: string[], net: NetOptions): void {
  if (net.allowPrivate === true) return;
  if (isBlockedName(host) && !net.hosts[host.toLowerCase()]) throw new GuardError(refusalMessage(host, host, 'names a private or metadata zone'), host);
  for (const a of addresses) {
    const v = classifyAddress(a);
    if (!v.allowed && !openedByLab(a, net)) throw new GuardError(refusalMessage(host, a, v.reason!), a);
  }
}

/** The lab switch as a list of CIDR ranges opens only those. */
export function openedByLab(address: string, net: NetOptions): boolean {
  if (net.allowPrivate === true) return true;
  if (net.allowPrivate === false) return false;
  return inRanges(address, net.allowPrivate);
}

export interface LookupRecord {
  dnsMs: number | null;
  addresses: string[];
  address: string | null;
}

/**
 * A `lookup` for net/tls.connect that resolves once, checks every answer, and hands back exactly the address that
 * was checked, so the connection goes where the check looked (no second lookup for DNS rebinding to slip through).
 */
export function guardedLookup(net: NetOptions, record: LookupRecord): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void) => {
    const t0 = monotonicMs();
    resolveAll(hostname, net)
      .then((addresses) => {
        record.dnsMs = monotonicMs() - t0;
        record.addresses = addresses;
        if (addresses.length === 0) throw new NoAnswerError(hostname);
        assertAllowed(hostname, addresses, net);
        const chosen = addresses.find((a) => isIP(a) === 4) ?? addresses[0]!;
        record.address = chosen;
        const family = isIP(chosen);
        if (options && (options as { all?: boolean }).all) callback(null, [{ address: chosen, family }]);
        else callback(null, chosen, family);
      })
      .catch((err: Error) => {
        record.dnsMs ??= monotonicMs() - t0;
        callback(err);
      });
  }) as LookupFunction;
}

/**
 * Node skips `lookup` for IP literals (127.1, 0x7f.0.0.1 and 2130706433 all arrive here as 127.0.0.1 after URL parsing),
 * so every connector checks them itself. Returns the refusal, or null when the literal may be probed (or is a name).
 */
export function checkLiteral(host: string, net: NetOptions, record: LookupRecord): GuardError | null {
  if (!isIP(host)) return null;
  record.address = host;
  record.addresses = [host];
  const v = classifyAddress(host);
  if (v.allowed || openedByLab(host, net)) return null;
  return new GuardError(refusalMessage(host, host, v.reason!), host);
}
