import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Check, Evidence } from '../pipeline/probe.js';
import { ipNamedIn } from '../evidence/ip-in-body.js';
import { sample } from '../probes/request.js';

const ID = 'ip-allowlist';

export const causes = {
  blocked: defineCause({
    id: 'ip-allowlist-blocked', family: 3, severity: 'error', rank: 60,
    title: 'A firewall or IP allowlist drops the connection',
    meaning: 'The host resolves, but the TCP connection is refused, reset or never answered: typical of an IP allowlist or firewall that OpenCX\'s egress IPs are not on.',
    fix: 'Add the OpenCX egress IPs (ask OpenCX support for the current list) to the firewall/allowlist for this port, and check the port is open.',
  }),
  forbiddenIp: defineCause({
    id: 'ip-allowlist-403', family: 3, severity: 'error', rank: 88,
    title: 'The endpoint refuses the caller\'s IP address',
    meaning: 'A 403 whose body names the calling IP address: the API or its gateway has an IP allowlist.',
    fix: 'Add the OpenCX egress IPs (ask OpenCX support for the current list) to the API\'s allowlist.',
  }),
};

/** Needs DNS (did the name resolve?) and the call itself (how did the connection end?). */
export const ipAllowlistCheck: Check = {
  id: ID,
  causes: Object.values(causes),
  needs: ['dns', 'request'],
  assess(evidence: ReadonlyMap<string, Evidence>): Finding[] {
    const dns = evidence.get('dns')!.facts ?? {};
    const ex = evidence.get('request')!.exchanges[0];
    if (!ex) return [];
    if (ex.response?.status === 403) {
      const ip = ipNamedIn(ex.response.bodySample);
      return ip ? [finding(causes.forbiddenIp, ID, [`${ex.request.method} ${ex.request.url} → 403 naming ${ip}`, sample(ex.response.bodySample)])] : [];
    }
    const resolved = typeof dns['addresses'] === 'string' && dns['addresses'] !== '(none)';
    const kind = ex.error?.kind;
    const neverConnected = ex.timings.connectMs === null;
    if (!ex.response && resolved && (kind === 'refused' || (kind === 'connect-timeout' && neverConnected) || (kind === 'reset' && !ex.tls))) {
      return [
        finding(causes.blocked, ID, [
          `DNS answered ${dns['addresses']}, then the connection to ${ex.address ?? '?'} was ${kind === 'refused' ? 'refused' : kind === 'reset' ? 'reset' : 'never answered'} (${ex.error?.code ?? kind})`,
        ]),
      ];
    }
    return [];
  },
};
