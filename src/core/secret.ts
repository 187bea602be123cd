import { inspect } from 'node:util';

/**
 * A value that must never be printed. Input parsing wraps every header value in one, so renderers,
 * logs and stored rows cannot leak it by accident: every way JS turns an object into text says [redacted].
 * Only net/ calls reveal(), to put the value on the wire.
 */
/**
 * Values the process has seen as secrets, so text that echoes one back (an error body, a log) can be scrubbed; each
 * with the order it was (last) remembered in. The oldest go first past MAX_KNOWN.
 */
const known = new Map<string, number>();
const MAX_KNOWN = 10_000;
/** The shortest secret kept: shorter values are too common to scrub (and it is the length of the index's keys). */
const MIN_LENGTH = 6;
let seq = 0;
/**
 * The known secrets by their first MIN_LENGTH characters. Why: scrubbing by trying every known value against the text
 * cost ~1 ms per text once the process had seen thousands (a long-running app does: every header value in several
 * encodings), on every log line and every acknowledged command. Looking up each position of the text instead costs
 * its length, whatever the number of secrets.
 */
const byPrefix = new Map<string, Set<string>>();
/** Below this many known values, trying each one (String.includes, fast) costs less than indexing every position. */
const SCAN_ALL_BELOW = 64;
let sorted: string[] | null = null;

function forget(v: string): void {
  if (known.delete(v)) sorted = null;
  const bucket = byPrefix.get(v.slice(0, MIN_LENGTH));
  bucket?.delete(v);
  if (bucket?.size === 0) byPrefix.delete(v.slice(0, MIN_LENGTH));
}

/** Authorization schemes are words, not secrets: scrubbing "bearer" would also mangle a host like auth-bearer.example. */
const SCHEME = /^(bearer|basic|token|digest|bot|apikey|api-key|key|jwt|hmac|negotiate|ntlm|oauth|sso-key)$/i;

export function rememberSecret(value: string): void {
  for (const p of [value, ...value.split(/\s+/)]) {
    if (p.length < MIN_LENGTH || SCHEME.test(p)) continue;
    for (const v of encodings(p)) {
      if (v.length < MIN_LENGTH) continue;
      forget(v);
      known.set(v, seq++);
      const key = v.slice(0, MIN_LENGTH);
      let bucket = byPrefix.get(key);
      if (!bucket) byPrefix.set(key, (bucket = new Set()));
      bucket.add(v);
      sorted = null;
    }
    while (known.size > MAX_KNOWN) forget(known.keys().next().value!);
  }
}

/**
 * The forms a secret takes when an endpoint echoes it back: percent-encoded (upper- and lower-case hex, and the form
 * encoding where a space is +), decoded (when it arrived encoded in a URL), base64url for a base64 token (+/= → -_),
 * and with JSON's escaped slashes. Each is remembered, so redactText scrubs every one.
 */
function encodings(p: string): Set<string> {
  const out = new Set([p]);
  try {
    out.add(decodeURIComponent(p.replace(/\+/g, ' ')));
    out.add(decodeURIComponent(p));
  } catch {
    // Not percent-encoded text: nothing to decode.
  }
  for (const v of [...out]) {
    const enc = encodeURIComponent(v);
    out.add(enc);
    out.add(enc.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    out.add(new URLSearchParams({ x: v }).toString().slice(2));
    if (/^[A-Za-z0-9+/]+=*$/.test(v) && /[+/=]/.test(v)) out.add(v.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    if (/^[A-Za-z0-9_-]+$/.test(v) && /[-_]/.test(v)) out.add(v.replace(/-/g, '+').replace(/_/g, '/'));
    if (v.includes('/')) out.add(v.replace(/\//g, '\\/'));
  }
  return out;
}

/** Known secret values, longest first, so "Bearer abc…" is replaced whole before "abc…" (ties: remembered first, first). */
export function knownSecrets(): readonly string[] {
  return (sorted ??= [...known.keys()].sort((a, b) => b.length - a.length));
}

/** The known secrets that occur in `text`, in knownSecrets() order: the only ones worth trying to replace. */
export function knownSecretsIn(text: string): readonly string[] {
  if (known.size < SCAN_ALL_BELOW) return knownSecrets().filter((v) => text.includes(v));
  const hits = new Set<string>();
  for (let i = 0; i + MIN_LENGTH <= text.length; i++) {
    const bucket = byPrefix.get(text.slice(i, i + MIN_LENGTH));
    if (bucket) for (const v of bucket) if (text.startsWith(v, i)) hits.add(v);
  }
  return [...hits].sort((a, b) => b.length - a.length || known.get(a)! - known.get(b)!);
}

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    rememberSecret(value);
  }
  reveal(): string {
    return this.#value;
  }
  /** A shape description safe to show: e.g. `Bearer <40 chars>`. */
  describe(): string {
    return describeSecretShape(this.#value);
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Says what a credential looks like (scheme and length) without any of its characters. */
export function describeSecretShape(value: string): string {
  const m = /^(\S+)(\s+)(.*)$/s.exec(value);
  if (m && /^(bearer|basic|token|apikey|api-key|digest)$/i.test(m[1]!)) {
    const spaces = m[2] === ' ' ? ' ' : JSON.stringify(m[2]);
    return `${m[1]}${spaces}<${m[3]!.length} chars>`;
  }
  return `<${value.length} chars>`;
}
