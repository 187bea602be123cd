import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { resolveAll } from '../net/guarded-lookup.js';
import { classifyAddress } from '../net/address-policy.js';
import { monotonicMs } from '../core/clock.js';

const ID = 'dns';

export const causes = {
  noAnswer: defineCause({
    id: 'dns-no-answer', family: 3, severity: 'error', rank: 90,
    title: 'The host name does not resolve',
    meaning: 'DNS has no address for the endpoint host, so OpenCX cannot connect; the AI gets "Something went wrong".',
    fix: 'Fix the host name in the action, or publish a public DNS record for it.',
  }),
  privateOnly: defineCause({
    id: 'dns-private-only', family: 3, severity: 'error', rank: 92,
    title: 'The host name resolves only to private addresses',
    meaning: 'Every DNS answer is loopback, private or link-local: reachable inside your network, never from OpenCX.',
    fix: 'Publish the endpoint on a public address (a gateway or load balancer) and use that host name in the action.',
  }),
};

export interface DnsEvidence extends Evidence {
  host: string;
  addresses: string[];
  error: string | null;
  allowPrivate: boolean | string[];
}

export const dnsProbe: Probe<DnsEvidence> = {
  id: ID,
  title: 'DNS',
  causes: Object.values(causes),
  async gather(ctx) {
    const host = new URL(ctx.input.endpoint).hostname.replace(/^\[|\]$/g, '');
    const t0 = monotonicMs();
    let addresses: string[] = [];
    let error: string | null = null;
    try {
      addresses = await resolveAll(host, ctx.net);
    } catch (e) {
      error = `${(e as NodeJS.ErrnoException).code ?? 'error'}: ${(e as Error).message}`;
    }
    return {
      exchanges: [],
      host,
      addresses,
      error,
      allowPrivate: ctx.net.allowPrivate,
      facts: { host, addresses: addresses.join(', ') || '(none)', 'lookup ms': Math.round(monotonicMs() - t0), error },
    };
  },
  assess(ev): Finding[] {
    if (ev.addresses.length === 0) {
      return [finding(causes.noAnswer, ID, [`${ev.host}: ${ev.error ?? 'no A/AAAA records'}`])];
    }
    const refused = ev.addresses.map((a) => ({ a, v: classifyAddress(a) })).filter((x) => !x.v.allowed);
    if (refused.length === ev.addresses.length) {
      const evidence = refused.map((x) => `${ev.host} → ${x.a}: ${x.v.reason}`);
      // In the lab the switch is on, and private answers are the point: say so without calling it a problem.
      return [finding(causes.privateOnly, ID, evidence, ev.allowPrivate !== false ? { severity: 'info', title: 'Private address allowed by --allow-private (lab/test mode)' } : {})];
    }
    return [];
  },
};
