import * as z from 'zod';
import { HostLimiter } from './host-limiter.js';

/** Resolves a host name to addresses; the default is the system resolver (after hosts overrides). */
export type Resolver = (host: string) => Promise<string[]>;

export const NetOptionsSchema = z.object({
  /**
   * The one switch that lets probes reach loopback, private and link-local addresses (lab, tests, demo):
   * true for all of them, or a list of CIDR ranges (e.g. ["127.0.0.1/32"]) to open only those.
   */
  allowPrivate: z.union([z.boolean(), z.array(z.string())]).default(false),
  /** Replaces the system resolver (tests of DNS behaviour). Called at most once per connection. */
  resolver: z.custom<Resolver>((v) => typeof v === 'function').optional(),
  /** Extra trusted CA certificates (PEM), in addition to the system store and NODE_EXTRA_CA_CERTS. */
  extraCa: z.array(z.string()).default([]),
  /** Host name → addresses, consulted before DNS (like /etc/hosts). An empty list means "no answer". */
  hosts: z.record(z.string(), z.array(z.string())).default({}),
  /** Read at most this many bytes of a response body. */
  maxBodyBytes: z.number().int().positive().default(256 * 1024),
  /** The longest any diagnosis waits for the endpoint (OpenCX's own limit is 60 s; an operator may set less). */
  maxTimeoutMs: z.number().int().min(100).max(60_000).default(60_000),
  /** Limit for establishing TCP + TLS, within the request timeout. */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** Shared by every request and handshake that uses these options: at most N in flight per host (audits). */
  hostLimiter: z.custom<HostLimiter>((v) => v instanceof HostLimiter).optional(),
});
export type NetOptions = z.infer<typeof NetOptionsSchema>;
export type NetOptionsDraft = z.input<typeof NetOptionsSchema>;
