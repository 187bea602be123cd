import ipaddr from 'ipaddr.js';
import { isIPv4, isIPv6 } from 'node:net';

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
    parsed = parseAddress(address);
  } catch {
    return { allowed: false, reason: 'is not a valid IP address', range: 'invalid' };
  }
  const range = parsed.range();
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // Every IPv6 form that carries an IPv4 address is refused whole: ipaddr.js calls ::/96 "unicast", and a packet to
    // ::127.0.0.1 or ::a9fe:a9fe leaves through the default IPv6 route to whoever translates it.
    const carried = embeddedIPv4(v6);
    if (carried) {
      const what = carried.v4.map((a) => a.toString()).join(' and ');
      return { allowed: false, reason: `${carried.form}${what ? ` carrying ${what}` : ''}`, range: carried.range };
    }
    // Only global unicast (2000::/3) is reachable from OpenCX; ipaddr.js calls unallocated space (4000::/2…) unicast too.
    if (range === 'unicast' && !v6.match(globalUnicast())) return { allowed: false, reason: 'is outside the globally routable IPv6 range (2000::/3)', range: 'unallocated' };
  }
  if (range === 'unicast') return { allowed: true, reason: null, range };
  return { allowed: false, reason: REASONS[range] ?? `is in the ${range} range`, range };
}

/**
 * The address as ipaddr.js reads it; process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it
 * carries. A dotted quad (Node's strict form) is read as IPv4 directly, the same address: process() tries IPv6 first,
 * and compiling ipaddr.js's IPv6 patterns (~0.4 ms on first use) is wasted on an IPv4 address.
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const a = canonical(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  return isIPv4(a) ? ipaddr.IPv4.parse(a) : ipaddr.process(a);
}

/**
 * IPv6 in the form sockets use. ipaddr.js reads `::8.8.8.8` (IPv4-compatible) as if it were `::ffff:8.8.8.8` (mapped);
 * the WHATWG URL parser, like the kernel, reads it as ::808:808.
 */
function canonical(address: string): string {
  if (isIPv6(address)) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return address;
}

// The IPv6 tables are built on first use, by the first IPv6 address to classify: parsing their CIDRs compiles
// ipaddr.js's IPv6 patterns (~0.6 ms), which a process that only ever meets IPv4 addresses (a CLI run) never needs.
let globalUnicastRange: ReturnType<typeof ipaddr.parseCIDR> | undefined;
const globalUnicast = () => (globalUnicastRange ??= ipaddr.parseCIDR('2000::/3'));
const cidr = (c: string) => ipaddr.parseCIDR(c) as [ipaddr.IPv6, number];
interface Embedding { cidr: [ipaddr.IPv6, number]; range: string; form: string; v4: (w: number[]) => number[][] }
let embedding: Embedding[] | undefined;
/** IPv6 ranges that embed an IPv4 address, and where (RFC 4291, 6145, 6052, 8215, 3056, 4380). */
const embeddingRanges = (): Embedding[] => (embedding ??= [
  { cidr: cidr('::/96'), range: 'ipv4Compatible', form: 'is an IPv4-compatible IPv6 address (::/96, deprecated)', v4: (w) => [[w[6]!, w[7]!]] },
  { cidr: cidr('::ffff:0:0:0/96'), range: 'rfc6145', form: 'is an IPv4-translated address', v4: (w) => [[w[6]!, w[7]!]] },
  { cidr: cidr('64:ff9b::/96'), range: 'rfc6052', form: 'is a NAT64 translation of another address', v4: (w) => [[w[6]!, w[7]!]] },
  // Local-use NAT64: the operator picks the prefix length (/48 to /96), so where the IPv4 sits is unknown; refused whole.
  { cidr: cidr('64:ff9b:1::/48'), range: 'rfc8215', form: 'is a local-use NAT64 translation of another address', v4: (w) => [[w[6]!, w[7]!]] },
  { cidr: cidr('2002::/16'), range: '6to4', form: 'is a 6to4 tunnel address', v4: (w) => [[w[1]!, w[2]!]] },
  // Teredo: the server's IPv4 in plain, the client's inverted.
  { cidr: cidr('2001::/32'), range: 'teredo', form: 'is a Teredo tunnel address', v4: (w) => [[w[2]!, w[3]!], [w[6]! ^ 0xffff, w[7]! ^ 0xffff]] },
]);

function embeddedIPv4(v6: ipaddr.IPv6): { form: string; range: string; v4: ipaddr.IPv4[] } | null {
  // :: and ::1 are in ::/96 too, and have their own, clearer reasons.
  if (['unspecified', 'loopback'].includes(v6.range())) return null;
  const e = embeddingRanges().find((x) => v6.match(x.cidr));
  if (!e) return null;
  const v4 = e.v4(v6.parts).map(([hi, lo]) => new ipaddr.IPv4([hi! >> 8, hi! & 0xff, lo! >> 8, lo! & 0xff]));
  return { form: e.form, range: e.range, v4 };
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
    addr = parseAddress(address);
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
