import { describeSecretShape, knownSecretsIn, rememberSecret, type Secret } from './secret.js';
export { rememberSecret };

/**
 * The one place that decides what is secret. Every renderer, log line, stored row and error message goes
 * through these functions (or only ever sees Secret objects, which print as [redacted]).
 */

const SECRET_NAME = /(authorization|cookie|token|secret|passw|api[-_]?key|apikey|credential|signature|session[-_]?key|private|auth|^key$|^sig$|[-_]key$)/i;
/** OpenCX's own context headers carry placeholders we chose, and are the evidence of header blocking. */
const PUBLIC_NAME = /^(x-opencx-[a-z-]+|user-agent|content-type|accept|origin|access-control-request-(method|headers))$/i;

const SECRET_VALUE: RegExp[] = [
  /^(bearer|basic|token|digest)\s+\S+/i,
  /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/, // JWT
  /^(sk|pk|rk)_(live|test)_\w+/, // Stripe-style keys
  /^xox[abposr]-[\w-]+/, // Slack tokens
  /^xapp-[\w-]+/,
  /^ocx_(live|test)_\w+/, // OpenCX API keys
  /^gh[pousr]_\w{20,}/, // GitHub tokens
  /^[A-Za-z0-9+/_\-=]{32,}$/, // long opaque credential-looking strings
];

export function isSecretHeaderName(name: string): boolean {
  return !PUBLIC_NAME.test(name) && SECRET_NAME.test(name);
}

export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((re) => re.test(value.trim()));
}

/** Replaces every known secret value inside free text (response bodies, error messages). */
export function redactText(text: string): string {
  let out = text;
  for (const v of knownSecretsIn(text)) if (out.includes(v)) out = out.split(v).join('[redacted]');
  return out;
}

export function redactHeaderValue(name: string, value: string): string {
  if (isSecretHeaderName(name) || looksLikeSecretValue(value)) return describeSecretShape(value);
  return redactText(value);
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = redactHeaderValue(k, v);
  return out;
}

/** Header names with the shape of their values: what a user may see of what they passed. */
export function describeHeaders(headers: { name: string; value: Secret }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const v = h.value.reveal();
    out[h.name] = isSecretHeaderName(h.name) || looksLikeSecretValue(v) ? h.value.describe() : redactText(v);
  }
  return out;
}

/**
 * Called where a URL enters (input parsing): its userinfo and every query value that is, or looks like, a credential
 * are remembered as secrets, so an endpoint that echoes its URL (a body, a header, a Location) has them scrubbed too,
 * in every encoding (rememberSecret), wherever the report goes.
 */
export function rememberUrlSecrets(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return;
  }
  for (const part of [url.username, url.password]) if (part) rememberSecret(part);
  for (const [k, v] of url.searchParams) if (SECRET_NAME.test(k) || looksLikeSecretValue(v)) rememberSecret(v);
  // The raw (still percent-encoded) values too: rememberSecret adds the decoded and re-encoded forms of each.
  for (const pair of url.search.slice(1).split('&')) {
    const [k = '', v = ''] = pair.split('=');
    let name = k;
    try {
      name = decodeURIComponent(k);
    } catch {
      // keep the raw name
    }
    if (v && SECRET_NAME.test(name)) rememberSecret(v);
  }
}

/** Query values that are, or look like, credentials become [redacted]; the rest of the URL stays readable. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redactText(raw);
  }
  if (url.username || url.password) {
    url.username = url.username ? 'redacted' : '';
    url.password = url.password ? 'redacted' : '';
  }
  for (const [k, v] of [...url.searchParams]) {
    if (SECRET_NAME.test(k) || looksLikeSecretValue(v)) url.searchParams.set(k, '[redacted]');
  }
  // Keep {placeholders} readable: they are part of how the action is saved.
  return redactText(url.toString()).replace(/%5Bredacted%5D/g, '[redacted]').replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

/**
 * Every string inside a value (a report, a progress event) with known secrets scrubbed: the last wall before anything
 * leaves the pipeline, for text a probe built from its input (a spec URL in an error, a fact) rather than from an exchange.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
