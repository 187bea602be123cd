import { clip } from '../core/redact.js';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Check, Evidence } from '../pipeline/probe.js';
import type { Exchange } from '../net/record.js';
import { BASELINE_ID, describeOutcome } from '../pipeline/baseline.js';
import { ipNamedIn } from '../evidence/ip-in-body.js';
import { wafFingerprint } from '../evidence/waf-fingerprint.js';
import { proxyPage } from '../evidence/proxy-page.js';
import { causes as requestCauses, sample } from '../probes/request.js';

const ID = 'forbidden';

export const causes = {
  ipRule: defineCause({
    id: 'forbidden-ip-rule', family: 3, severity: 'error', rank: 58,
    title: 'An access rule of the server refuses the call (403 whatever is sent)',
    meaning: 'Every variant is answered 403 by the built-in error page of the web server or proxy (nginx, Apache, HAProxy, IIS, Envoy), not by the API: an allow/deny rule, most often on the caller\'s IP address, refuses OpenCX before any token is read.',
    fix: 'Allow the OpenCX egress IPs (ask OpenCX support for the current list) in the server\'s access rules for this path (nginx allow/deny, Apache Require ip, HAProxy http-request deny ACL).',
  }),
  wafRule: defineCause({
    id: 'forbidden-waf-rule', family: 2, severity: 'error', rank: 57, followUps: ['header-blocking'],
    title: 'A WAF rule refuses the call (403 whatever is sent)',
    meaning: 'Every variant is answered 403 with a web application firewall\'s marks (ModSecurity/OWASP CRS, a "request blocked" page): a rule matches the request itself (its method, path, body or headers), not the caller.',
    fix: 'Find the matching rule in the WAF log for this request (rule id, e.g. CRS 911100 "method not allowed by policy") and add an exception for this path, or change what the action sends.',
  }),
  permission: defineCause({
    id: 'forbidden-permission', family: 2, severity: 'error', rank: 56, followUps: ['auth'],
    title: 'The API refuses the credentials: the token lacks a permission (403)',
    meaning: 'The API itself answers 403 saying the caller is not allowed (insufficient scope, missing permission or role): the token is valid but does not grant this operation.',
    fix: 'Give the token saved in the Authorization global variable the scope or role this operation needs (or issue one that has it).',
  }),
  forbidden: defineCause({
    id: 'forbidden', family: 2, severity: 'error', rank: 20, catchAll: true, followUps: ['header-blocking', 'auth'],
    title: 'The endpoint refuses the call with 403 Forbidden',
    meaning: 'Every variant is answered 403 and nothing in the answer says who refused it: an IP rule, a WAF rule or a token without permission.',
    fix: 'Check the access log of the server and of anything in front of it (WAF, gateway) for this request: allow the OpenCX egress IPs, add a WAF exception, or give the token the permission the operation needs.',
  }),
};

const WAF_MARKS = /mod_?security|OWASP|\bCRS\b|naxsi|wordfence|sucuri|web application firewall|request (was )?(blocked|rejected)|security polic(y|ies)|Not Acceptable!/i;
const PERMISSION_WORDS = /permission|insufficient|scope|not authori[sz]ed|unauthori[sz]ed|not allowed to|access denied for|role|privilege|forbidden for/i;

/** Every exchange of the run with the same method and URL as the baseline (the variants of the same call). */
export function sameCall(evidence: ReadonlyMap<string, Evidence>, base: Exchange): Exchange[] {
  const out: Exchange[] = [];
  for (const [, ev] of evidence) for (const ex of ev.exchanges) if (ex.request.method === base.request.method && ex.request.url === base.request.url && !out.includes(ex)) out.push(ex);
  return out;
}

/** 403 whatever is sent: says which explanation the evidence favours (server fingerprint and body). */
export const forbiddenCheck: Check = {
  id: ID,
  causes: Object.values(causes),
  needs: [BASELINE_ID],
  assess(evidence): Finding[] {
    const base = evidence.get(BASELINE_ID)!.exchanges[0];
    const res = base?.response;
    if (!base || !res || res.status !== 403) return [];
    const all = sameCall(evidence, base);
    // Some variant got through: the header and Authorization comparisons explain the 403, not this rule.
    if (all.some((e) => e.response && e.response.status < 400)) return [];
    // AWS API Gateway answers 403 "Missing Authentication Token" for a path or method it does not have: a wrong URL.
    if (/Missing Authentication Token/.test(res.bodySample)) {
      return [finding(requestCauses.notFound, ID, [`${base.request.method} ${base.request.url} → 403 ${clip(res.bodySample.trim(), 120, '')}`, 'AWS API Gateway says "Missing Authentication Token" when no resource or method matches the path'], {
        title: 'AWS API Gateway has no such route (403 "Missing Authentication Token")',
        fix: 'Check the path, the stage (e.g. /prod) and the method in the action against the API Gateway resources; a sample value was used for each placeholder.',
      })];
    }
    const vendor = wafFingerprint(base);
    if (ipNamedIn(res.bodySample) || (vendor && vendor !== 'generic WAF')) return []; // ip-allowlist-403 and the edge-WAF causes own these
    const statuses = all.map((e) => `${e.label}: ${describeOutcome(e)}`);
    const evidenceLines = [...statuses.slice(0, 6), sample(res.bodySample)];
    const proxy = proxyPage(base);
    const authSent = Object.keys(base.request.headers).some((k) => k.toLowerCase() === 'authorization');
    const challenge = res.headers['www-authenticate'] ?? '';
    if (vendor === 'generic WAF' || WAF_MARKS.test(res.bodySample)) {
      return [finding(causes.wafRule, ID, evidenceLines)];
    }
    // AWS API Gateway: {"message":"Forbidden"} with x-amzn-errortype ForbiddenException is a missing or unknown API key
    // (x-api-key) when the method requires one; an explicit deny is a resource policy (often an IP condition).
    if (/explicit deny/i.test(res.bodySample)) {
      return [finding(causes.ipRule, ID, evidenceLines, { title: 'An AWS API Gateway resource policy denies the call (403 explicit deny)', fix: 'Allow the OpenCX egress IPs (ask OpenCX support for the current list) in the API Gateway resource policy, or remove the deny condition for this path.' })];
    }
    if (/ForbiddenException/i.test(res.headers['x-amzn-errortype'] ?? '') && /"message"\s*:\s*"Forbidden"/.test(res.bodySample)) {
      return [finding(causes.permission, ID, evidenceLines, { title: 'AWS API Gateway refuses the call: the method needs an API key (x-api-key) the call does not carry', fix: 'Add a global variable x-api-key holding a key of a usage plan attached to this stage (or turn off "API key required" on the method).' })];
    }
    if (/insufficient_scope/i.test(challenge) || (!proxy && PERMISSION_WORDS.test(res.bodySample))) {
      return [finding(causes.permission, ID, challenge ? [...evidenceLines, `WWW-Authenticate: ${challenge}`] : evidenceLines, authSent ? {} : {
        title: 'The API refuses the call (403) and no credentials are sent',
        fix: 'Create a global variable named Authorization holding a credential with the permission this operation needs (e.g. Bearer <token>).',
      })];
    }
    if (proxy) {
      return [finding(causes.ipRule, ID, [...evidenceLines, `${proxy.software} answered with its own 403 page`], {
        title: `An access rule of ${proxy.software} refuses the call (403 whatever is sent): most likely an IP rule`,
      })];
    }
    return [finding(causes.forbidden, ID, [...evidenceLines, res.headers['server'] ? `server: ${res.headers['server']}` : 'No server fingerprint in the answer'])];
  },
};
