import { describeSecretShape, longestSecret, partialSecretAtEnd, rememberSecret, secretSpans, type Secret } from './secret.js';
export { rememberSecret };

/**
 * The one place that decides what is secret. Every renderer, log line, stored row and error message goes
 * through these functions (or only ever sees Secret objects, which print as [redacted]).
 */

const SECRET_NAME = /(authorization|cookie|token|secret|passw|api[-_]?key|apikey|credential|signature|session[-_]?(key|id)|sessid|private|auth|^key$|^sig$|^sid$|[-_]key$)/i;
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

/**
 * A header that carries a credential: by its name (Authorization, Cookie, X-Api-Key…) or by what its value looks like
 * (a JWT in X-Trace). Only these become Secrets and are remembered; the rest (Content-Type, Accept, X-Tenant) are shown
 * as typed, so evidence can say "Sent content-type: application/json" and ordinary words in a body stay readable.
 */
export function isCredentialHeader(name: string, value: string): boolean {
  return isSecretHeaderName(name) || looksLikeSecretValue(value);
}

const MARK = '[redacted]';

/** Replaces every known secret value inside free text (response bodies, error messages), in any case. */
export function redactText(text: string): string {
  const spans = secretSpans(text);
  if (spans.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const [s, e] of spans) {
    out += text.slice(pos, s) + MARK;
    pos = e;
  }
  return out + text.slice(pos);
}

/**
 * THE way to shorten text that may hold a secret: scrub first, then cut. Scrubbing `text` whole finds a secret that
 * straddles the cut at `at` (a UTF-16 index into text), which is then shown as [redacted], never as its first
 * characters; the kept text then loses any tail that is the beginning of a known secret (PARTIAL_MIN characters or more:
 * what is left of a secret cut by whoever cut the text before us, or that goes on past the text we were given).
 * `cut` says whether anything was dropped. Pass `cutBefore` when the text is itself already a cut (a body read up to a
 * limit): its end is then treated as a cut too.
 */
export function scrubCut(text: string, at: number, cutBefore = false): { text: string; cut: boolean } {
  if (at >= text.length && !cutBefore) return { text: redactText(text), cut: false };
  at = Math.min(at, text.length);
  // Never split a surrogate pair: half a character is not text.
  if (at > 0 && at < text.length && /[\uD800-\uDBFF]/.test(text[at - 1]!)) at--;
  let out = '';
  let pos = 0;
  for (const [s, e] of secretSpans(text)) {
    if (s >= at) break;
    out += text.slice(pos, s) + MARK;
    pos = e;
  }
  if (pos < at) {
    const tail = text.slice(pos, at);
    out += tail.slice(0, tail.length - partialSecretAtEnd(tail));
  }
  return { text: out, cut: at < text.length || cutBefore };
}

/** At most `max` characters of `text`, scrubbed before the cut (scrubCut), with `more` added when something was cut. */
export function clip(text: string, max: number, more = '…'): string {
  const r = scrubCut(text, max);
  return r.cut ? r.text + more : r.text;
}

/**
 * Where the last whole UTF-8 character of a cut byte string ends: a character the cut split would decode as U+FFFD and
 * hide the piece of a secret before it from the trailing-piece check.
 */
function wholeChars(bytes: Buffer): number {
  let lead = bytes.length - 1;
  while (lead >= 0 && bytes.length - lead <= 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return bytes.length;
  const b = bytes[lead]!;
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return bytes.length - lead < need ? lead : bytes.length;
}

/**
 * At most `maxBytes` bytes of a body as text, scrubbed before the cut: the window scrubbed reaches past the cut by the
 * longest known secret (in its longest UTF-8 spelling), so an echo that straddles the cut is scrubbed whole.
 * `truncated`: the bytes are themselves a cut of the body (it was read up to a limit).
 */
export function clipBytes(bytes: Buffer, maxBytes: number, truncated = false): string {
  if (bytes.length <= maxBytes) return scrubCut(bytes.subarray(0, truncated ? wholeChars(bytes) : bytes.length).toString('utf8'), Infinity, truncated).text;
  let b = maxBytes;
  while (b > 0 && (bytes[b]! & 0xc0) === 0x80) b--; // the cut falls between characters
  const window = bytes.subarray(0, maxBytes + 3 * longestSecret() + 4).toString('utf8');
  return scrubCut(window, bytes.subarray(0, b).toString('utf8').length).text;
}

export function redactHeaderValue(name: string, value: string): string {
  if (isCredentialHeader(name, value)) return describeSecretShape(value);
  return redactText(value);
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = redactHeaderValue(k, v);
  return out;
}

/** Header names with the shape of their values: what a user may see of what they passed. */
export function describeHeaders(headers: { name: string; value: string | Secret }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) out[h.name] = typeof h.value === 'string' ? redactHeaderValue(h.name, h.value) : h.value.describe();
  return out;
}

interface UrlPair { name: string; value: string; at: number }

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Every `name=value` a URL carries where URLs carry parameters: the query (`?k=v&…`), the fragment (`#access_token=…`,
 * as OAuth's implicit flow answers, also after a route: `#/cb?k=v`) and `;k=v` path parameters (`;jsessionid=…`), with
 * where each value starts in `raw`. Read from the text, not from a parsed URL, so a URL that does not parse (a typo in
 * its port) gives up its credentials too.
 */
function urlPairs(raw: string): UrlPair[] {
  const out: UrlPair[] = [];
  const hash = raw.indexOf('#');
  const q = raw.indexOf('?');
  const query = q >= 0 && (hash < 0 || q < hash) ? q : -1;
  const pathEnd = query >= 0 ? query : hash >= 0 ? hash : raw.length;
  const scan = (from: number, to: number, re: RegExp) => {
    const part = raw.slice(from, to);
    for (const m of part.matchAll(re)) out.push({ name: m[1]!, value: m[2]!, at: from + m.index + m[0].length - m[2]!.length });
  };
  scan(0, pathEnd, /;([^;=/?#]*)=([^;/?#]*)/g);
  if (query >= 0) scan(query + 1, hash >= 0 ? hash : raw.length, /(?:^|&)([^&=]*)=([^&]*)/g);
  if (hash >= 0) scan(hash + 1, raw.length, /(?:^|[&;?/])([^&;?/=]*)=([^&;]*)/g);
  return out;
}

function isCredentialPair(p: UrlPair): boolean {
  return p.value !== '' && (SECRET_NAME.test(decoded(p.name)) || looksLikeSecretValue(decoded(p.value)));
}

/** A URL's user and password, parsed or, when it does not parse, read from its text. */
function userinfo(raw: string): string[] {
  try {
    const url = new URL(raw);
    return [url.username, url.password].filter(Boolean);
  } catch {
    const m = /^[a-z][\w+.-]*:\/\/([^/?#]*)@/i.exec(raw);
    return m ? m[1]!.split(':').filter(Boolean) : [];
  }
}

/**
 * Called where a URL enters (input parsing): its userinfo and every query, fragment or path-parameter value that is,
 * or looks like, a credential are remembered as secrets, so an endpoint that echoes its URL (a body, a header, a
 * Location) has them scrubbed too, in every encoding (rememberSecret), wherever the report goes. Also for a URL that
 * does not parse: the error that says so may still carry it somewhere.
 */
export function rememberUrlSecrets(raw: string): void {
  for (const part of userinfo(raw)) rememberSecret(part);
  // The raw (still percent-encoded) values: rememberSecret adds the decoded and re-encoded forms of each.
  for (const p of urlPairs(raw)) if (isCredentialPair(p)) rememberSecret(p.value);
}

/** Each credential value of the URL's query, fragment and path parameters replaced by [redacted]. */
function redactPairs(raw: string): string {
  let out = raw;
  for (const p of urlPairs(raw).reverse()) if (isCredentialPair(p)) out = out.slice(0, p.at) + MARK + out.slice(p.at + p.value.length);
  return out;
}

/** Credential values (query, fragment, path parameters, userinfo) become [redacted]; the rest of the URL stays readable. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redactText(redactPairs(raw.replace(/^([a-z][\w+.-]*:\/\/)[^/?#]*@/i, '$1redacted@')));
  }
  if (url.username || url.password) {
    url.username = url.username ? 'redacted' : '';
    url.password = url.password ? 'redacted' : '';
  }
  // Keep {placeholders} readable: they are part of how the action is saved.
  return redactText(redactPairs(url.toString())).replace(/%5Bredacted%5D/g, MARK).replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

/**
 * Every string inside a value (a report, a progress event) with known secrets scrubbed: the last wall before anything
 * leaves the pipeline, for text a probe built from its input (a spec URL in an error, a fact) rather than from an exchange.
 */
export function redactDeep<T>(value: T): T {
  return deep(value, new WeakSet()) as T;
}

/** `seen`: the objects being walked, so a cycle (an error that is its own cause) ends as [circular], not a stack overflow. */
function deep(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object') return value;
  const plain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  // An error logged as a field ({ err }): its message and stack quote what failed, an echoed secret included.
  if (!plain && !(value instanceof Error)) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => deep(v, seen));
    if (plain) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = deep(v, seen);
      return out;
    }
    // A copy of the same class (the log's error serializer still knows it), the original left as it is.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
    for (const k of Object.getOwnPropertyNames(value)) copy[k] = deep((value as unknown as Record<string, unknown>)[k], seen);
    return copy;
  } finally {
    // Only the path is a cycle: the same error twice side by side ([a, a]) is shown twice.
    seen.delete(value);
  }
}
