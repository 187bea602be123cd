import ipaddr from 'ipaddr.js';

/**
 * Decides whether an address may be probed. OpenCX calls endpoints from its own infrastructure on the public
 * internet, so an address it cannot reach is both a finding and something this bot must never touch (SSRF).
 */
const REASONS: Record<string, string> = {
  loopback: 'is on the probing machine itself (loopback)',
  private: 'is inside a private network (RFC 1918)',
  uniqueLocal: 'is inside a private IPv6 network (unique-local)',
  linkLocal: 'is link-local, where cloud metadata services live',
  carrierGradeNat: 'is inside a carrier-grade NAT range',
  unspecified: 'is the unspecified address',
  broadcast: 'is a broadcast address',
  multicast: 'is a multicast address',
  reserved: 'is in a reserved range',
  rfc6052: 'is a NAT64 translation of another address',
  rfc6145: 'is an IPv4-translated address',
  '6to4': 'is a 6to4 tunnel address',
  teredo: 'is a Teredo tunnel address',
  benchmarking: 'is in the benchmarking range',
  amt: 'is an AMT relay address',
  as112: 'is an AS112 DNS sink address',
  deprecated: 'is in a deprecated range',
  orchid2: 'is an ORCHIDv2 identifier',
  droneRemoteIdProtocolEntityTags: 'is a drone remote ID address',
};

/** Hosts that name metadata services or private zones, refused before any DNS lookup. */
const BLOCKED_NAMES = [/^metadata(\.google)?\.internal$/i, /\.(internal|local|localdomain|home\.arpa|intranet|corp|lan)$/i];

export interface AddressVerdict {
  allowed: boolean;
  /** Why it is refused, as a user-facing sentence fragment ("is inside a private network"). */
  reason: string | null;
  range: string;
}

export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return { allowed: false, reason: 'is not a valid IP address', range: 'invalid' };
  }
  const range = parsed.range();
  if (range === 'unicast') return { allowed: true, reason: null, range };
  return { allowed: false, reason: REASONS[range] ?? `is in the ${range} range`, range };
}

export function isBlockedName(host: string): boolean {
  return BLOCKED_NAMES.some((re) => re.test(host));
}

/** The sentence a user sees when the guard refuses. */
export function refusalMessage(host: string, address: string, reason: string): string {
  const where = host === address ? address : `${host} (${address})`;
  return `${where} ${reason}: OpenCX cannot reach it either, and action-debug does not probe it`;
}

/** Whether an address falls in any of the CIDR ranges (IPv4-mapped IPv6 compared as IPv4). */
export function inRanges(address: string, cidrs: string[]): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
  return cidrs.some((c) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`);
      return addr.kind() === range.kind() && addr.match([range, bits] as never);
    } catch {
      return false;
    }
  });
}
