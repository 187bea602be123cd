import { inspect } from 'node:util';

/**
 * A value that must never be printed. Input parsing wraps every credential header's value in one, so renderers,
 * logs and stored rows cannot leak it by accident: every way JS turns an object into text says [redacted].
 * Only net/ calls reveal(), to put the value on the wire.
 */
/**
 * Values the process has seen as secrets, so text that echoes one back (an error body, a log) can be scrubbed; each
 * with the order it was (last) remembered in. The oldest go first past MAX_KNOWN. Kept case-folded (foldCase): an
 * endpoint that upper- or lower-cases what it echoes still echoes the secret.
 */
const known = new Map<string, number>();
const MAX_KNOWN = 10_000;
/**
 * The shortest secret kept (and the length of the index's keys). Shorter values are NOT scrubbed from free text, a
 * decision: a 3-to-5-character password or key scrubbed everywhere would mangle ordinary words, numbers and ids in every
 * body, header and error shown (a password "admin" or "12345" occurs in text that has nothing to do with it), which
 * ruins the evidence for everyone; not scrubbing leaves an echo of such a value readable. What stays safe whatever the
 * length: a header known to carry a credential (Authorization, Cookie, X-Api-Key, any credential-looking name or value,
 * see core/redact.ts isSecretHeaderName) is only ever shown as its shape (`Bearer <3 chars>`, `<4 chars>`), a
 * credential query, fragment or path parameter as [redacted], and a short token with its scheme ("Bearer abc", 10
 * characters) is remembered whole, so its echo is scrubbed.
 */
const MIN_LENGTH = 6;
/**
 * The shortest piece of a known secret dropped where text is cut (scrubCut in core/redact.ts): below this, a tail that
 * happens to begin some secret says nothing about it (3 characters of a 30-character token), and dropping it would
 * only eat ordinary text.
 */
export const PARTIAL_MIN = 4;
let seq = 0;
/**
 * The known secrets by MIN_LENGTH characters of each (its key), with where the key starts in it. Why: scrubbing by trying
 * every known value against the text cost ~1 ms per text once the process had seen thousands (a long-running app does:
 * every header value in several encodings), on every log line and every acknowledged command. Looking up each position of
 * the text instead costs its length, whatever the number of secrets. The key is not always the first characters: every
 * `bearer …` form begins alike, so do their base64 (`qmvhcm…`) and \u00XX forms; a key there put thousands of forms in
 * one bucket, tried at each `Bearer ` of a text (~8 ms for 2 KB of them). Each form's key is the least used of a few
 * places in it (its start, after a scheme word, its middle, its end).
 */
const byKey = new Map<string, Map<string, number>>();
/**
 * The known secrets in code-unit order: the tail of a cut is the beginning of one exactly when the first value not below
 * it starts with it (a binary search, however many share a beginning such as `bearer `). Changed only when a value is
 * new or forgotten, never when one in use is remembered again.
 */
const inOrder: string[] = [];
/** Where `v` is, or would go, in inOrder. */
function lowerBound(v: string): number {
  let lo = 0;
  let hi = inOrder.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (inOrder[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** How many known values have each length, and the longest (kept as values come and go, never by sorting them). */
const lengths = new Map<number, number>();
let longest = 0;
let longestStale = false;
/** Below this many known values, trying each one (String.includes, fast) costs less than indexing every position. */
const SCAN_ALL_BELOW = 64;
let sorted: string[] | null = null;

function keyOffset(v: string): number {
  const last = v.length - MIN_LENGTH;
  const scheme = /^([a-z-]+)\s+/.exec(v);
  const candidates = [0, ...(scheme && SCHEME.test(scheme[1]!) ? [Math.min(scheme[0].length, last)] : []), last >> 1, last];
  let best = 0;
  let bestSize = Infinity;
  for (const o of candidates) {
    const size = byKey.get(v.slice(o, o + MIN_LENGTH))?.size ?? 0;
    if (size < bestSize) (best = o), (bestSize = size);
  }
  return best;
}

/**
 * Case folding that keeps every character's length (UTF-16 units), so a position found in the folded text is the same
 * position in the text: ASCII and most scripts lower-case in place; a character whose case mapping changes length
 * (İ → i̇, ß → SS) folds to itself, and the secret's own upper- and lower-cased forms are remembered beside it instead.
 * Upper then lower, so ς, σ and Σ (and ſ, s and S) fold alike.
 */
export function foldCase(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += foldChar(ch);
  return out;
}
const ASCII = /^[\x00-\x7f]*$/;
const folded = new Map<string, string>();
function foldChar(ch: string): string {
  let f = folded.get(ch);
  if (f !== undefined) return f;
  const up = ch.toUpperCase();
  f = (up.length === ch.length ? up : ch).toLowerCase();
  if (f.length !== ch.length) f = ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
  if (folded.size < 4096) folded.set(ch, f);
  return f;
}

function forget(v: string): void {
  if (!known.delete(v)) return;
  sorted = null;
  const o = keyAt.get(v)!;
  keyAt.delete(v);
  const key = v.slice(o, o + MIN_LENGTH);
  const bucket = byKey.get(key);
  bucket?.delete(v);
  if (bucket?.size === 0) byKey.delete(key);
  inOrder.splice(lowerBound(v), 1);
  const n = (lengths.get(v.length) ?? 1) - 1;
  if (n > 0) lengths.set(v.length, n);
  else {
    lengths.delete(v.length);
    // Found again when next asked (a value re-remembered is forgotten and added back at once): the distinct lengths are
    // few (a few hundred at most), cheap to go over.
    if (v.length === longest) longestStale = true;
  }
}
/** Where each known value's index key starts. */
const keyAt = new Map<string, number>();

function add(v: string): void {
  // Known already (a secret in use, sent again): it only becomes the newest; its place in the indexes stays.
  if (known.delete(v)) {
    known.set(v, seq++);
    sorted = null;
    return;
  }
  known.set(v, seq++);
  const o = keyOffset(v);
  keyAt.set(v, o);
  const key = v.slice(o, o + MIN_LENGTH);
  let bucket = byKey.get(key);
  if (!bucket) byKey.set(key, (bucket = new Map()));
  bucket.set(v, o);
  inOrder.splice(lowerBound(v), 0, v);
  lengths.set(v.length, (lengths.get(v.length) ?? 0) + 1);
  if (v.length > longest) longest = v.length;
  sorted = null;
}

/** Authorization schemes are words, not secrets: scrubbing "bearer" would also mangle a host like auth-bearer.example. */
const SCHEME = /^(bearer|basic|token|digest|bot|apikey|api-key|key|jwt|hmac|negotiate|ntlm|oauth|sso-key)$/i;

export function rememberSecret(value: string): void {
  remember(formsOf(value));
}

/**
 * The most forms one value adds. Why: a header value of 2,000 words (each a "part") would otherwise add tens of thousands
 * of forms and push out, past MAX_KNOWN, a token in use by someone else. The value's own forms come first, then each
 * part as it is, then the parts' encodings: what is dropped past the cap is the least likely echo.
 */
export const MAX_FORMS_PER_VALUE = 64;

/**
 * The pieces of a credential header's value that an endpoint may echo on their own: each word, and in a structured value
 * (a Cookie's `sessionid=…; theme=…`, an auth-param list `Token token="…", user="…"`, `key=…`) each pair's value,
 * quotes removed. Never the names (sessionid, token: words that are everywhere). A word that is only `x=`-shaped padding
 * (`abc==`, base64) is a value, not a pair.
 */
function partsOf(value: string): string[] {
  // Each word as it is (a token after its scheme, whatever characters it holds), then the pieces of a structured one.
  const words = value.split(/\s+/);
  const out = [...words];
  for (const piece of words.flatMap((w) => w.split(/[;,]+/))) {
    const pair = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+=([^=].*)$/s.exec(piece);
    out.push(unquote(pair ? pair[1]! : piece));
  }
  return [...new Set(out)];
}
const unquote = (s: string) => s.replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');

/** Every form of `value` that is scrubbed (case-folded, MIN_LENGTH or longer), at most MAX_FORMS_PER_VALUE. */
function formsOf(value: string): string[] {
  const first = [value];
  // A Basic credential is base64 of `user:password`: an endpoint that says who failed echoes the decoded pair, or just
  // the password. Both are secrets (the user name alone is not: "admin" would mangle text everywhere).
  const basic = /^basic\s+([A-Za-z0-9+/_-]+=*)\s*$/i.exec(value);
  if (basic) {
    const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
    if (pair.includes(':') && !pair.includes('\uFFFD')) first.push(pair, pair.slice(pair.indexOf(':') + 1));
  }
  const parts = partsOf(value).filter((p) => p.length >= MIN_LENGTH && !SCHEME.test(p) && !first.includes(p));
  const out = new Set<string>();
  const put = (v: string) => {
    const f = foldCase(v);
    if (f.length >= MIN_LENGTH && out.size < MAX_FORMS_PER_VALUE) out.add(f);
  };
  for (const p of first) if (p.length >= MIN_LENGTH && !SCHEME.test(p)) for (const v of encodings(p)) put(v);
  for (const p of parts) put(p);
  for (const p of parts) for (const v of encodings(p)) put(v);
  return [...out];
}

/** Remembered as the newest (the oldest are forgotten past MAX_KNOWN). */
function remember(forms: readonly string[]): void {
  for (const f of forms) add(f);
  while (known.size > MAX_KNOWN) forget(known.keys().next().value!);
}

/**
 * The forms a secret takes when an endpoint echoes it back: as it is and upper- and lower-cased (case is folded when
 * matching; these cover the characters whose case mapping changes length); percent-encoded (upper- and lower-case hex,
 * and the form encoding where a space is +); decoded (when it arrived encoded in a URL); base64 and base64url, padded
 * or not, and the three alignment-free cores of each (so the secret inside any base64-encoded text, such as a Basic
 * credential or a base64 "fingerprint" of a whole header, is found); base64url for a base64 token (+/= → -_) and
 * back; JSON-escaped (JSON.stringify, \/ for /, \uXXXX for non-ASCII as ASCII-only encoders write it, and every
 * character as \u00XX), also escaped twice; and HTML-escaped. Each is remembered, so redactText scrubs every one.
 */
function encodings(p: string): Set<string> {
  const bases = new Set([p]);
  try {
    bases.add(decodeURIComponent(p.replace(/\+/g, ' ')));
    bases.add(decodeURIComponent(p));
  } catch {
    // Not percent-encoded text: nothing to decode.
  }
  const out = new Set<string>();
  for (const base of bases) {
    // Case variants only where folding cannot stand for them (a character whose case mapping changes length): for ASCII,
    // each form of an upper- or lower-cased secret folds to the same as the secret's own.
    for (const v of ASCII.test(base) ? [base] : new Set([base, base.toUpperCase(), base.toLowerCase()])) {
      out.add(v);
      const enc = encodeURIComponent(v);
      out.add(enc);
      out.add(enc.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
      out.add(new URLSearchParams({ x: v }).toString().slice(2));
      if (/^[A-Za-z0-9+/]+=*$/.test(v) && /[+/=]/.test(v)) out.add(v.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
      if (/^[A-Za-z0-9_-]+$/.test(v) && /[-_]/.test(v)) out.add(v.replace(/-/g, '+').replace(/_/g, '/'));
      for (const j of jsonForms(v)) out.add(j);
      out.add(v.replace(/[&<>"']/g, (c) => HTML[c]!));
      out.add(v.replace(/[&<>"']/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`));
    }
    // base64 of the secret's own bytes (not of its case variants: those are other bytes, and no endpoint was seen to
    // change case before encoding).
    for (const b of base64Forms(Buffer.from(base, 'utf8'))) out.add(b);
  }
  return out;
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const hex4 = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;

function jsonForms(v: string): string[] {
  const json = JSON.stringify(v).slice(1, -1);
  const ascii = json.replace(/[^\x00-\x7f]/g, (c) => hex4(c.charCodeAt(0)));
  // Every UTF-16 unit escaped (some encoders, and an endpoint escaping what it echoes, write everything as \u00XX).
  let all = '';
  for (let i = 0; i < v.length; i++) all += hex4(v.charCodeAt(i));
  const once = [json, ascii, all, json.replace(/\//g, '\\/'), ascii.replace(/\//g, '\\/')];
  // Escaped twice (an error message quoting an upstream JSON answer, itself sent as JSON): each backslash doubled.
  return [...once, ...once.filter((j) => j.includes('\\')).map((j) => j.replace(/\\/g, '\\\\'))];
}

function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  const full = bytes.toString('base64');
  out.push(full, full.replace(/=+$/, ''));
  // A secret inside longer text is encoded at one of three alignments: the groups of 3 bytes wholly inside it encode
  // the same way whatever surrounds it.
  for (let j = 0; j < 3; j++) {
    const whole = bytes.subarray(j, j + Math.floor((bytes.length - j) / 3) * 3);
    if (whole.length >= 3) out.push(whole.toString('base64'));
  }
  return [...out, ...out.map((b) => b.replace(/\+/g, '-').replace(/\//g, '_'))];
}

/** Known secret values (case-folded), longest first, so "bearer abc…" is replaced whole before "abc…". */
export function knownSecrets(): readonly string[] {
  return (sorted ??= [...known.keys()].sort((a, b) => b.length - a.length || known.get(a)! - known.get(b)!));
}

/** The length of the longest known value: how far past a cut a secret that straddles it can reach. */
export function longestSecret(): number {
  if (longestStale) (longest = Math.max(0, ...lengths.keys())), (longestStale = false);
  return longest;
}

/**
 * Where known secrets occur in `text`, matched case-insensitively: [start, end) ranges, sorted, overlapping ones
 * merged (two secrets that overlap in the text are one range, so no piece of either is left between them).
 */
export function secretSpans(text: string): Array<[number, number]> {
  if (known.size === 0 || text.length < MIN_LENGTH) return [];
  const f = foldCase(text);
  const hits: Array<[number, number]> = [];
  if (known.size < SCAN_ALL_BELOW) {
    for (const v of known.keys()) for (let i = f.indexOf(v); i !== -1; i = f.indexOf(v, i + 1)) hits.push([i, i + v.length]);
  } else {
    for (let j = 0; j + MIN_LENGTH <= f.length; j++) {
      const bucket = byKey.get(f.slice(j, j + MIN_LENGTH));
      // A key found at j is the key of a form starting at j - its offset.
      if (bucket) for (const [v, o] of bucket) if (j >= o && f.startsWith(v, j - o)) hits.push([j - o, j - o + v.length]);
    }
  }
  if (hits.length === 0) return hits;
  hits.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [hits[0]!];
  for (const [s, e] of hits.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (s < last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * How many characters at the end of `text` are the beginning of a known secret (or of one of its forms), at least
 * PARTIAL_MIN of them: what a cut left of a secret that straddled it. 0 when none.
 */
export function partialSecretAtEnd(text: string): number {
  const longest = longestSecret();
  if (longest === 0) return 0;
  const f = foldCase(text.slice(-longest));
  for (let k = Math.min(f.length, longest); k >= PARTIAL_MIN; k--) {
    const tail = f.slice(f.length - k);
    if (inOrder[lowerBound(tail)]?.startsWith(tail)) return k;
  }
  return 0;
}

export class Secret {
  readonly #value: string;
  readonly #forms: readonly string[];
  constructor(value: string) {
    this.#value = value;
    this.#forms = formsOf(value);
    remember(this.#forms);
  }
  /**
   * The value, to put on the wire. Its forms are remembered again as the newest: a secret in use (a Re-run of a card
   * made hours ago, a watch) is known again from the moment it is sent, and stays known unless more than MAX_KNOWN forms
   * of other secrets arrive before the endpoint's echo is scrubbed (at most 64 per value: MAX_FORMS_PER_VALUE).
   */
  reveal(): string {
    remember(this.#forms);
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
