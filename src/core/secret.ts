import { inspect } from 'node:util';

/**
 * A value that must never be printed. Input parsing wraps every header value in one, so renderers,
 * logs and stored rows cannot leak it by accident: every way JS turns an object into text says [redacted].
 * Only net/ calls reveal(), to put the value on the wire.
 */
/** Values the process has seen as secrets, so text that echoes one back (an error body, a log) can be scrubbed. */
const known = new Map<string, true>();
const MAX_KNOWN = 10_000;
/** knownSecrets() sorted once per change: redaction asks for it once per string of every report and progress event. */
let sorted: readonly string[] | null = null;

/** Authorization schemes are words, not secrets: scrubbing "bearer" would also mangle a host like auth-bearer.example. */
const SCHEME = /^(bearer|basic|token|digest|bot|apikey|api-key|key|jwt|hmac|negotiate|ntlm|oauth|sso-key)$/i;

export function rememberSecret(value: string): void {
  sorted = null;
  for (const p of [value, ...value.split(/\s+/)]) {
    if (p.length < 6 || SCHEME.test(p)) continue;
    for (const v of encodings(p)) {
      if (v.length < 6) continue;
      known.delete(v);
      known.set(v, true);
    }
    while (known.size > MAX_KNOWN) known.delete(known.keys().next().value!);
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

/** Known secret values, longest first, so "Bearer abc…" is replaced whole before "abc…". */
export function knownSecrets(): readonly string[] {
  return (sorted ??= [...known.keys()].sort((a, b) => b.length - a.length));
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
