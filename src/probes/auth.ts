import { defineCause, finding, type Cause, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { Secret } from '../core/secret.js';
import { exchange } from '../net/exchange.js';
import type { Exchange } from '../net/record.js';
import { wafFingerprint } from '../evidence/waf-fingerprint.js';
import { ipNamedIn } from '../evidence/ip-in-body.js';
import { proxyPage } from '../evidence/proxy-page.js';
import { actionCall, findHeader } from '../pipeline/opencx-request.js';

const ID = 'auth';
const SAVED = 'Authorization as saved';

const authCause = (id: string, title: string, meaning: string, fix: string, rank = 80): Cause =>
  defineCause({ id, family: 2, severity: 'error', rank, title, meaning, fix, followUps: ['header-blocking', 'auth'] });

export const causes = {
  prefixMissing: authCause('auth-bearer-prefix-missing', 'The saved Authorization value lacks the "Bearer " prefix',
    'The endpoint accepts "Bearer <token>" but the saved global variable holds the bare token; OpenCX sends it verbatim and adds no prefix.',
    'Save the global variable Authorization as the full header value: Bearer <your token>.'),
  prefixUnwanted: authCause('auth-bearer-prefix-unwanted', 'The endpoint wants the bare token, without "Bearer "',
    'The endpoint accepts the token alone and refuses it with the Bearer prefix.',
    'Save the global variable Authorization as the token alone, without "Bearer ".'),
  casing: authCause('auth-scheme-casing', 'The Authorization scheme has the wrong casing',
    'The endpoint compares the scheme case-sensitively ("Bearer", not "bearer"); the Test payload and the saved variable differ.',
    'Save the global variable Authorization as exactly: Bearer <your token> (capital B, one space).'),
  doubled: authCause('auth-doubled-prefix', 'The saved Authorization value has the prefix twice',
    'The saved value already contains "Bearer " and another is added in front (e.g. "Bearer Bearer <token>").',
    'Save the global variable Authorization as exactly: Bearer <your token>, with the prefix once.'),
  whitespace: authCause('auth-whitespace', 'The saved Authorization value has stray whitespace',
    'Extra spaces or a line break around the token make the server refuse it.',
    'Save the global variable Authorization again without leading, trailing or doubled spaces.'),
  rejected: authCause('auth-rejected', 'The endpoint refuses the credentials',
    'Every variant of the saved Authorization value is refused (401/403): the token is wrong, expired or lacks a scope, or a proxy strips the header.',
    'Put a valid token in the global variable (full value, e.g. Bearer <token>); if it works with curl, check that proxies (nginx, Apache CGIPassAuth, CDN) forward Authorization.', 50),
  missing: authCause('auth-missing', 'The endpoint asks for credentials and none are saved',
    'The endpoint answers 401 with a WWW-Authenticate challenge and the call carries no Authorization header.',
    'Create a global variable named Authorization holding the full header value (e.g. Bearer <token>), or a widget header for per-user tokens.', 60),
};

interface Variant {
  label: string;
  value: Secret;
}

/** The structure of the saved value, never its characters: enough to name what is wrong with it. */
export interface AuthForm {
  scheme: string | null;
  prefixCount: number;
  strayWhitespace: boolean;
}

export function authForm(raw: string): AuthForm {
  const m = /^((?:bearer\s+)+)/i.exec(raw.trim());
  const scheme = /^(\S+)\s+\S/.exec(raw.trim())?.[1] ?? null;
  return {
    scheme,
    prefixCount: m ? m[1]!.trim().split(/\s+/).length : 0,
    strayWhitespace: raw !== raw.trim() || /\s{2,}|[\t\r\n]/.test(raw),
  };
}

export interface AuthEvidence extends Evidence {
  saved: string | null;
  form: AuthForm | null;
  variants: { label: string; shape: string; exchange: Exchange }[];
}

/** The values a confused setup could have meant: the token with and without the scheme, in other casings. */
export function authVariants(saved: string): Variant[] {
  const token = saved.trim().replace(/^(bearer\s+)+/i, '');
  const candidates: [string, string][] = [
    ['with "Bearer " prefix', `Bearer ${token}`],
    ['with lower-case "bearer "', `bearer ${token}`],
    ['token alone', token],
    ['trimmed', saved.trim().replace(/\s+/g, ' ')],
  ];
  const seen = new Set([saved]);
  const out: Variant[] = [];
  for (const [label, value] of candidates) {
    if (seen.has(value) || !token) continue;
    seen.add(value);
    out.push({ label, value: new Secret(value) });
  }
  return out;
}

const refused = (e: Exchange) => e.response?.status === 401 || e.response?.status === 403;
const accepted = (e: Exchange) => !!e.response && e.response.status < 400;

/** The evidence from the saved value (first: the baseline) and its variants (pure, so tests feed recorded exchanges). */
export function authEvidence(saved: Secret | null, variants: AuthEvidence['variants']): AuthEvidence {
  if (!saved) return { exchanges: variants.map((v) => v.exchange), saved: null, form: null, variants, facts: { saved: '(none)' } };
  const facts: Record<string, string> = { saved: saved.describe() };
  for (const r of variants) facts[r.label] = r.exchange.response ? String(r.exchange.response.status) : r.exchange.error?.kind ?? '?';
  return { exchanges: variants.map((r) => r.exchange), saved: saved.describe(), form: authForm(saved.reveal()), variants, facts };
}

export const authProbe: Probe<AuthEvidence> = {
  id: ID,
  title: 'Authorization',
  recheckLabel: 'Re-check Authorization',
  causes: Object.values(causes),
  async gather(ctx) {
    const saved = findHeader(ctx.input, 'authorization');
    // The saved value as OpenCX sends it is the pipeline's baseline; only the variants are sent here.
    if (!saved) return authEvidence(null, [{ label: 'no Authorization', shape: '(none)', exchange: await ctx.baseline }]);
    const results = await Promise.all([
      ctx.baseline.then((exchange) => ({ label: SAVED, shape: saved.describe(), exchange })),
      ...authVariants(saved.reveal()).map(async (v) => ({
        label: v.label,
        shape: v.value.describe(),
        exchange: await exchange(actionCall(ctx.input, { label: v.label, authorization: v.value }), ctx.net, ctx.signal),
      })),
    ]);
    return authEvidence(saved, results);
  },
  assess(ev): Finding[] {
    const [first, ...others] = ev.variants;
    if (!first) return [];
    const ex = first.exchange;
    // A block page, an IP allowlist refusal or a proxy's own 403 page (an allow/deny rule) is not about the
    // credentials: the header and forbidden checks name those.
    if (!refused(ex) || wafFingerprint(ex) || ipNamedIn(ex.response?.bodySample ?? '')) return [];
    if (ex.response!.status === 403 && proxyPage(ex)) return [];
    const lines = ev.variants.map((v) => `${v.label} (${v.shape}): ${v.exchange.response?.status ?? v.exchange.error?.kind}`);
    if (ev.saved === null) {
      const challenge = ex.response!.headers['www-authenticate'];
      return challenge || ex.response!.status === 401
        ? [finding(causes.missing, ID, [...lines, `WWW-Authenticate: ${challenge ?? '(not sent)'}`])]
        : [];
    }
    const winner = others.find((v) => accepted(v.exchange));
    if (!winner) {
      const challenge = ex.response!.headers['www-authenticate'];
      return [finding(causes.rejected, ID, challenge ? [...lines, `WWW-Authenticate: ${challenge}`] : lines)];
    }
    const cause = classify(ev.form!, winner.label);
    return [
      finding(cause, ID, [...lines, `Accepted: ${winner.shape}`], {
        fix: `${cause.fix} The endpoint accepted ${winner.shape}; the saved value is ${ev.saved}.`,
      }),
    ];
  },
};

function classify(form: AuthForm, winnerLabel: string): Cause {
  if (form.prefixCount > 1) return causes.doubled;
  if (winnerLabel === 'trimmed' || (form.strayWhitespace && winnerLabel === 'with "Bearer " prefix' && form.scheme === 'Bearer')) return causes.whitespace;
  if (winnerLabel === 'token alone') return causes.prefixUnwanted;
  if (form.prefixCount === 0) return causes.prefixMissing;
  return causes.casing;
}
