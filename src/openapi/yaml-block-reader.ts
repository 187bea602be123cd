import { load, CORE_SCHEMA, NOT_RESOLVED, nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag } from 'js-yaml';

/**
 * Reads the block-style YAML that big specs are written in (nested `key: value` lines and `- ` items) about 3× faster
 * than js-yaml, whose event parser costs ~1 s on a 25 MB spec where JSON.parse takes 0.15 s (issue 20: YAML within
 * 1.3× JSON). It reads only the skeleton itself: indentation, keys, items, and one-line plain or quoted scalars.
 * Anything else (block scalars, multi-line scalars, flow collections, anchors, tags, complex keys, unusual escapes) is
 * handed to js-yaml as the text of that one entry, so js-yaml stays the judge of every hard case. Where the text steps
 * outside what this reader can split safely (tabs in structure, duplicate keys, document markers, an error), it returns
 * NOT_BLOCK_YAML and js-yaml reads the whole document: the result is always js-yaml's, only sooner (tested against
 * js-yaml on generated documents).
 */
export const NOT_BLOCK_YAML: unique symbol = Symbol('not block YAML');

/**
 * js-yaml's depth limit is 1000 (as load.ts passes it), counted its own way: the reader steps aside well before it
 * (js-yaml then reads the whole document and decides), and a fragment gets what is left with the same margin, so no
 * nesting js-yaml refuses is ever read here.
 */
const MAX_DEPTH = 1000 - 50;
/** Thrown (a plain object: no stack to capture) when the whole document must go to js-yaml. */
const OUTSIDE = { outside: true };
/** Thrown from a node that starts inside a `- ` line: the item is handed to js-yaml from that line. */
const DELEGATE_ITEM = { delegateItem: true };
/** From mapping(): the first line is not a `key: …` entry. */
const NOT_A_MAPPING = Symbol('not a mapping');
/** From a scalar reader: js-yaml must read this entry. */
const HAND_OVER = Symbol('hand over');

/** js-yaml refuses these anywhere in a document; checked once, as js-yaml does. */
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** The YAML 1.2 core schema's implicit scalar tags, as js-yaml's CORE_SCHEMA resolves plain scalars (tested equal). */
export const CORE_IMPLICIT_TAGS = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag] as const;
type ImplicitTag = (typeof CORE_IMPLICIT_TAGS)[number];
const ANY_FIRST: ImplicitTag[] = CORE_IMPLICIT_TAGS.filter((t) => t.implicitFirstChars === null);
const BY_FIRST = new Map<string, ImplicitTag[]>();
for (const tag of CORE_IMPLICIT_TAGS) {
  for (const ch of tag.implicitFirstChars ?? []) BY_FIRST.set(ch, CORE_IMPLICIT_TAGS.filter((t) => t.implicitFirstChars === null || t.implicitFirstChars.includes(ch)));
}
function plainScalar(source: string): unknown {
  const candidates = BY_FIRST.get(source.charAt(0)) ?? ANY_FIRST;
  for (const tag of candidates) {
    const v = tag.resolve(source, false, tag.tagName);
    if (v !== NOT_RESOLVED) return v;
  }
  return source;
}

/** Sets a key as js-yaml does: `__proto__` as an own property, never the prototype. */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  else obj[key] = value;
}

/** c-indicator characters that cannot start a plain scalar (quotes are read separately). */
const INDICATOR = new Uint8Array(128);
for (const ch of '[]{},#&*!|>%@`') INDICATOR[ch.charCodeAt(0)] = 1;

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const QUESTION = 63;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const CR = 13;

/**
 * One cheap pass first (a character class, no lookarounds): most specs have none of these characters, no surrogate
 * pairs and no CR; only a text that has some pays for the exact checks (non-printable characters, a CR that is not
 * part of a CRLF, which YAML reads as a line break of its own).
 */
const MAYBE_OUTSIDE = /[\x00-\x08\x0B\x0C\x0D\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;

export function readBlockYaml(text: string): unknown {
  if (MAYBE_OUTSIDE.test(text) && (NON_PRINTABLE.test(text) || /\r(?!\n)/.test(text) || text.indexOf('\ufeff', 1) >= 0)) return NOT_BLOCK_YAML;
  try {
    return new Reader(text).document();
  } catch (err) {
    if (err === OUTSIDE || err === DELEGATE_ITEM || err instanceof RangeError) return NOT_BLOCK_YAML;
    throw err;
  }
}

class Reader {
  private readonly len: number;
  /** Start of the next physical line not yet looked at. */
  private pos = 0;
  // The current content line, once peeked: its physical start, indentation (column of `c`), content start, end
  // (before any CR), and whether it starts inside a `- ` line (a node after the dash).
  private has = false;
  private start = 0;
  private indent = 0;
  private c = 0;
  private end = 0;
  private virtual = false;
  /** Entries and items read, and how many of them js-yaml read: past one in 30, js-yaml reads faster on its own. */
  private nodes = 0;
  private delegated = 0;

  constructor(private readonly text: string) {
    this.len = text.length;
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): unknown {
    if (!this.peek()) throw OUTSIDE;
    const t = this.text;
    if (this.indent === 0 && t.startsWith('---', this.c)) {
      // `---` alone (or with a comment) opens the document; content after it on the line is left to js-yaml.
      let p = this.c + 3;
      while (p < this.end && t.charCodeAt(p) === SPACE) p++;
      if (p < this.end && !(t.charCodeAt(p) === HASH && p > this.c + 3)) throw OUTSIDE;
      this.has = false;
      if (!this.peek()) throw OUTSIDE;
    }
    if (this.indent !== 0) throw OUTSIDE;
    const root = this.mapping(0, 1);
    if (root === NOT_A_MAPPING || this.peek()) throw OUTSIDE;
    return root;
  }

  /** Moves to the next line with content (not blank, not a comment line); false at the end. */
  private peek(): boolean {
    if (this.has) return true;
    const t = this.text;
    while (this.pos < this.len) {
      const s = this.pos;
      let nl = t.indexOf('\n', s);
      if (nl < 0) nl = this.len;
      let end = nl;
      if (end > s && t.charCodeAt(end - 1) === CR) end--;
      let c = s;
      while (c < end && t.charCodeAt(c) === SPACE) c++;
      this.pos = nl + 1;
      if (c === end) continue;
      const ch = t.charCodeAt(c);
      if (ch === HASH) continue;
      if (ch === TAB) {
        if (t.slice(c, end).trim() === '') continue;
        throw OUTSIDE; // a tab where indentation goes: YAML forbids it, js-yaml says where
      }
      this.has = true;
      this.virtual = false;
      this.start = s;
      this.indent = c - s;
      this.c = c;
      this.end = end;
      return true;
    }
    return false;
  }

  /** The node after `- ` on the current line becomes the current line, at its column. */
  private enterAt(p: number): void {
    this.virtual = true;
    this.c = p;
    this.indent = p - this.start;
  }

  private isDashEntry(c: number): boolean {
    const t = this.text;
    if (t.charCodeAt(c) !== DASH) return false;
    const next = t.charCodeAt(c + 1);
    if (c + 1 === this.end || next === SPACE) return true;
    if (next === TAB) throw OUTSIDE;
    return false;
  }

  private collection(depth: number): unknown {
    return this.isDashEntry(this.c) ? this.sequence(this.indent, depth) : this.mapping(this.indent, depth);
  }

  private mapping(n: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw OUTSIDE;
    const t = this.text;
    const obj: Record<string, unknown> = {};
    let first = true;
    while (this.peek() && this.indent >= n) {
      if (this.indent > n) throw OUTSIDE;
      const lineStart = this.start;
      const c = this.c;
      const end = this.end;
      if (n === 0 && (t.startsWith('---', c) || t.startsWith('...', c)) && (c + 3 === end || t.charCodeAt(c + 3) === SPACE || t.charCodeAt(c + 3) === TAB)) throw OUTSIDE;
      if (this.isDashEntry(c)) {
        if (first) return NOT_A_MAPPING;
        throw OUTSIDE;
      }
      const key = this.key(c, end);
      if (key === NOT_A_MAPPING) {
        if (first) return NOT_A_MAPPING;
        throw OUTSIDE;
      }
      first = false;
      this.nodes++;
      if (key === HAND_OVER) {
        if (this.virtual) throw DELEGATE_ITEM;
        this.delegate(lineStart, n, depth, obj, null);
        continue;
      }
      if (Object.hasOwn(obj, key)) throw OUTSIDE; // js-yaml refuses duplicate keys and says where
      let p = this.afterKey;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      let value: unknown;
      const virtual = this.virtual;
      if (p === end || t.charCodeAt(p) === HASH) {
        this.has = false;
        if (!this.peek() || this.indent < n) value = null;
        else if (this.indent === n) value = this.isDashEntry(this.c) ? this.sequence(n, depth + 1) : null;
        else {
          value = this.collection(depth + 1);
          if (value === NOT_A_MAPPING) {
            if (virtual) throw DELEGATE_ITEM;
            this.delegate(lineStart, n, depth, obj, key);
            continue;
          }
        }
      } else {
        value = this.scalar(p, end, n);
        if (value === HAND_OVER) {
          if (virtual) throw DELEGATE_ITEM;
          this.delegate(lineStart, n, depth, obj, key);
          continue;
        }
      }
      put(obj, key, value);
    }
    return first ? NOT_A_MAPPING : obj;
  }

  private sequence(n: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw OUTSIDE;
    const t = this.text;
    const items: unknown[] = [];
    while (this.peek() && this.indent >= n) {
      if (this.indent > n) throw OUTSIDE;
      if (!this.isDashEntry(this.c)) break; // the parent goes on (an indentless sequence ends at its mapping's next key)
      const lineStart = this.start;
      const physical = !this.virtual;
      this.nodes++;
      const end = this.end;
      let p = this.c + 1;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      if (t.charCodeAt(p) === TAB) throw OUTSIDE;
      let value: unknown;
      try {
        if (p === end || t.charCodeAt(p) === HASH) {
          this.has = false;
          if (!this.peek() || this.indent <= n) value = null;
          else {
            value = this.collection(depth + 1);
            if (value === NOT_A_MAPPING) throw DELEGATE_ITEM;
          }
        } else {
          this.enterAt(p);
          value = this.collection(depth + 1);
          if (value === NOT_A_MAPPING) {
            value = this.scalar(p, end, n);
            if (value === HAND_OVER) throw DELEGATE_ITEM;
          }
        }
      } catch (err) {
        if (err !== DELEGATE_ITEM || !physical) throw err;
        value = this.delegate(lineStart, n, depth, null, null);
      }
      items.push(value);
    }
    return items;
  }

  /** Index just after the `:` of the key last read. */
  private afterKey = 0;

  /**
   * A one-line key followed by `:` and a space or the line's end. HAND_OVER only for a double-quoted key with YAML-only
   * escapes: the line is known to be an entry, so js-yaml can read it alone. A line starting with an indicator (`?`,
   * `&`, `!`, `[`, …) is not taken for an entry: read alone it could mean something else than in place.
   */
  private key(c: number, end: number): string | typeof NOT_A_MAPPING | typeof HAND_OVER {
    const t = this.text;
    const ch = t.charCodeAt(c);
    let p: number;
    let key: string | typeof HAND_OVER;
    if (ch === DQUOTE || ch === SQUOTE) {
      // A quoted scalar not followed by `:` on its line is a value (an item, or a node on its own line), not a key.
      const q = ch === DQUOTE ? this.doubleQuotedEnd(c, end) : this.singleQuotedEnd(c, end);
      if (q < 0) return NOT_A_MAPPING;
      p = q + 1;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      if (t.charCodeAt(p) !== COLON || !(p + 1 === end || t.charCodeAt(p + 1) === SPACE)) return NOT_A_MAPPING;
      key = ch === DQUOTE ? this.doubleQuoted(c, q) : this.singleQuoted(c, q);
      if (key === HAND_OVER) return HAND_OVER;
      this.afterKey = p + 1;
      return key;
    }
    if (ch < 128 && INDICATOR[ch]) return NOT_A_MAPPING;
    if ((ch === QUESTION || ch === COLON) && (c + 1 === end || t.charCodeAt(c + 1) === SPACE || t.charCodeAt(c + 1) === TAB)) return NOT_A_MAPPING;
    for (let i = c; i < end; i++) {
      const x = t.charCodeAt(i);
      if (x === COLON && (i + 1 === end || t.charCodeAt(i + 1) === SPACE)) {
        let k = i;
        while (t.charCodeAt(k - 1) === SPACE || t.charCodeAt(k - 1) === TAB) k--;
        if (k - c > 1024) throw OUTSIDE;
        const source = t.slice(c, k);
        if (source === '<<') throw OUTSIDE;
        this.afterKey = i + 1;
        return String(plainScalar(source));
      }
      if (x === COLON && t.charCodeAt(i + 1) === TAB) throw OUTSIDE;
      if (x === HASH && (t.charCodeAt(i - 1) === SPACE || t.charCodeAt(i - 1) === TAB)) return NOT_A_MAPPING;
    }
    return NOT_A_MAPPING;
  }

  /**
   * A one-line scalar from `p`: plain, or quoted and followed by nothing but a comment. The line is consumed; if the
   * next content line is indented more than `n` (a multi-line scalar, or an error), js-yaml reads the entry.
   */
  private scalar(p: number, end: number, n: number): unknown {
    const t = this.text;
    const ch = t.charCodeAt(p);
    let value: unknown;
    if (ch === DQUOTE || ch === SQUOTE) {
      const q = ch === DQUOTE ? this.doubleQuotedEnd(p, end) : this.singleQuotedEnd(p, end);
      if (q < 0) return HAND_OVER;
      value = ch === DQUOTE ? this.doubleQuoted(p, q) : this.singleQuoted(p, q);
      if (value === HAND_OVER) return HAND_OVER;
      if (!this.onlyCommentFrom(q + 1, end)) return HAND_OVER;
    } else {
      if (ch < 128 && INDICATOR[ch]) {
        // `{}` and `[]`, the one flow form generated specs use often, are read here; other flow text is js-yaml's.
        const close = t.charCodeAt(p + 1);
        if (!((ch === 123 && close === 125) || (ch === 91 && close === 93)) || !this.onlyCommentFrom(p + 2, end)) return HAND_OVER;
        return this.lineEnds(n) ? (ch === 123 ? {} : []) : HAND_OVER;
      }
      if ((ch === DASH || ch === QUESTION || ch === COLON) && (p + 1 === end || t.charCodeAt(p + 1) === SPACE || t.charCodeAt(p + 1) === TAB)) return HAND_OVER;
      if (ch === TAB) throw OUTSIDE;
      let last = p;
      for (let i = p; i < end; i++) {
        const x = t.charCodeAt(i);
        // A tab inside a plain scalar is content; before a `#` or after a `:` it separates like a space.
        if (x === SPACE || x === TAB) continue;
        if (x === HASH && (t.charCodeAt(i - 1) === SPACE || t.charCodeAt(i - 1) === TAB)) break;
        if (x === COLON && (i + 1 === end || t.charCodeAt(i + 1) === SPACE || t.charCodeAt(i + 1) === TAB)) return HAND_OVER;
        last = i + 1;
      }
      value = plainScalar(t.slice(p, last));
    }
    return this.lineEnds(n) ? value : HAND_OVER;
  }

  /** Whether nothing but spaces and a comment follows from `p` on this line. */
  private onlyCommentFrom(p: number, end: number): boolean {
    const t = this.text;
    while (p < end && t.charCodeAt(p) === SPACE) p++;
    return p === end || (t.charCodeAt(p) === HASH && t.charCodeAt(p - 1) === SPACE);
  }

  /** Consumes the line of a one-line scalar; false if the next content line is indented more than `n` (a continuation). */
  private lineEnds(n: number): boolean {
    this.has = false;
    return !(this.peek() && this.indent > n);
  }

  /** Index of the closing `"` on this line, or -1 (a multi-line scalar: js-yaml's). */
  private doubleQuotedEnd(p: number, end: number): number {
    const t = this.text;
    for (let i = p + 1; i < end; i++) {
      const x = t.charCodeAt(i);
      if (x === BACKSLASH) i++;
      else if (x === DQUOTE) return i;
    }
    return -1;
  }

  private doubleQuoted(p: number, q: number): string | typeof HAND_OVER {
    const t = this.text;
    const body = t.slice(p + 1, q);
    if (body.indexOf('\\') < 0) return body;
    // JSON's escapes are a subset of YAML's and mean the same; YAML's others (\x, \e, \N, \_, \L, \P, \U, \0, \a, \v,
    // escaped spaces and tabs) are js-yaml's to read.
    if (/\\[^"\\/bfnrtu]/.test(body)) return HAND_OVER;
    try {
      return JSON.parse(t.slice(p, q + 1)) as string;
    } catch {
      return HAND_OVER;
    }
  }

  private singleQuotedEnd(p: number, end: number): number {
    const t = this.text;
    let i = p + 1;
    for (;;) {
      const j = t.indexOf("'", i);
      if (j < 0 || j >= end) return -1;
      if (j + 1 < end && t.charCodeAt(j + 1) === SQUOTE) {
        i = j + 2;
        continue;
      }
      return j;
    }
  }

  private singleQuoted(p: number, q: number): string {
    const body = this.text.slice(p + 1, q);
    return body.indexOf("''") < 0 ? body : body.replaceAll("''", "'");
  }

  /**
   * js-yaml reads one entry (into `into`) or one sequence item (returned): the text from its line up to the next
   * content line indented `n` or less, at its own indentation, so that its meaning is the one it has in place.
   */
  private delegate(lineStart: number, n: number, depth: number, into: Record<string, unknown> | null, expectKey: string | null): unknown {
    const t = this.text;
    let s = t.indexOf('\n', lineStart);
    let fragEnd = this.len;
    while (s >= 0) {
      const lineBegin = s + 1;
      let c = lineBegin;
      while (c < this.len && t.charCodeAt(c) === SPACE) c++;
      const ch = t.charCodeAt(c);
      const blank = c >= this.len || ch === 10 || ch === CR || ch === HASH || ch === TAB;
      // So do `- ` lines at the entry's own indentation: its value, an indentless sequence.
      const indentlessItem = into !== null && ch === DASH && c - lineBegin === n && (c + 1 >= this.len || t.charCodeAt(c + 1) === SPACE || t.charCodeAt(c + 1) === 10 || t.charCodeAt(c + 1) === CR);
      if (!blank && !indentlessItem && c - lineBegin <= n) {
        fragEnd = lineBegin;
        break;
      }
      s = t.indexOf('\n', lineBegin);
    }
    const maxDepth = MAX_DEPTH - depth;
    if (maxDepth < 1) throw OUTSIDE;
    // js-yaml reads ~0.5 µs a line: past one hand-over in 30 nodes, it is faster to let it read everything.
    if (++this.delegated > 200 && this.delegated * 30 > this.nodes) throw OUTSIDE;
    let parsed: unknown;
    try {
      parsed = load(t.slice(lineStart, fragEnd), { schema: CORE_SCHEMA, maxAliases: 0, maxDepth });
    } catch {
      throw OUTSIDE;
    }
    this.pos = fragEnd;
    this.has = false;
    if (into) {
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw OUTSIDE;
      const keys = Object.keys(parsed);
      if (keys.length !== 1 || Object.hasOwn(into, keys[0]!) || (expectKey !== null && keys[0] !== expectKey)) throw OUTSIDE;
      put(into, keys[0]!, (parsed as Record<string, unknown>)[keys[0]!]);
      return undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== 1) throw OUTSIDE;
    return parsed[0];
  }
}
