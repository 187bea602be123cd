import { describeSecretShape, knownSecrets, type Secret } from './secret.js';
export { rememberSecret } from './secret.js';

/**
 * The one place that decides what is secret. Every renderer, log line, stored row and error message goes
 * through these functions (or only ever sees Secret objects, which print as [redacted]).
 */

const SECRET_NAME = /(authorization|cookie|token|secret|passw|api[-_]?key|apikey|credential|signature|session[-_]?key|private|auth)/i;
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
  for (const v of knownSecrets()) if (out.includes(v)) out = out.split(v).join('[redacted]');
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
