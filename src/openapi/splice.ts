import { isCollection, isScalar, isSeq, stringify, type Document, type Node } from 'yaml';
import { tokens } from './pointer.js';

/** One change to the text: a node replaced, or a new key added at the end of a map. */
export type TextEdit =
  | { kind: 'replace'; pointer: string; value: unknown }
  | { kind: 'add'; map: string; key: string; value: unknown };

/**
 * The index of the quote that closes the JSON string opened at `i` (a quote after an even run of backslashes), or -1
 * when the text ends first. The text is one JSON.parse took, so strings are whole; -1 guards a caller's wrong offset.
 */
export function jsonStringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j < 0) return -1;
    let b = j - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((j - 1 - b) % 2 === 0) return j;
    j++;
  }
}

/** Where an edit's text went: it replaced `start`..`end` of the input (an add: inserted at `start`). */
export interface Placed {
  edit: number;
  start: number;
  end: number;
  text: string;
  /** An add: where the object it goes into is written in the input. */
  into?: { start: number; end: number };
}
export interface Spliced { text: string; placed: Placed[] }

/** An edit the text cannot take (a YAML alias or merge key on the way): the fix is not written. */
export class SpliceError extends Error {}

interface Span { start: number; end: number }

/**
 * Applies edits by splicing the source text, so every byte outside the edited nodes is the input's: comments,
 * key order, quoting and line wrapping stay as the author wrote them (re-serialising the whole document, as
 * `Document.toString()` does, re-wraps long lines). Edited nodes are written in the style around them.
 */
export function splice(text: string, format: 'json' | 'yaml', yamlDoc: Document | null, edits: TextEdit[]): Spliced {
  if (!edits.length) return { text, placed: [] };
  const spans = format === 'json' ? jsonSpans(text, edits) : yamlSpans(text, yamlDoc!, edits);
  const jsonValue = format === 'json' ? jsonWriter(text) : plainJsonValue;
  const unit = indentUnit(text);
  // Where each line starts, found once: searching back for the newline per edit is quadratic on a minified
  // one-line 20 MB spec (3,000 edits took 13 s).
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineStart = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lineStarts[lo]!;
  };
  // Adds into one object: the first goes without a comma into an empty one, and only the last closes its line.
  const addsInto = new Map<number, number>();
  edits.forEach((e, i) => {
    if (e.kind === 'add') addsInto.set(spans[i]!.start, (addsInto.get(spans[i]!.start) ?? 0) + 1);
  });
  const placedInto = new Map<number, number>();
  const pieces: Placed[] = edits.map((e, i): Placed => {
    const s = spans[i]!;
    const col = s.start - lineStart(s.start);
    const lineIndent = /^[ \t]*/.exec(text.slice(s.start - col, Math.min(s.start, s.start - col + 4096)))![0];
    if (e.kind === 'replace') {
      return { edit: i, start: s.start, end: s.end, text: format === 'json' ? jsonValue(e.value, unit, lineIndent) : yamlValue(text, s, e.value, unit, col) };
    }
    // Add: after the map's last entry, at the indentation of its entries.
    if (format === 'json') {
      const close = s.end - 1;
      let at = close;
      while (at > s.start && /\s/.test(text[at - 1]!)) at--;
      const empty = text[at - 1] === '{';
      const k = placedInto.get(s.start) ?? 0;
      placedInto.set(s.start, k + 1);
      const first = k === 0;
      const last = k === addsInto.get(s.start)! - 1;
      const inner = unit ? lineIndent + unit : '';
      const nl = unit ? '\n' : '';
      return { edit: i, start: at, end: at, into: s, text: `${empty && first ? '' : ','}${nl}${inner}${JSON.stringify(e.key)}:${unit ? ' ' : ''}${jsonValue(e.value, unit, inner)}${empty && last ? nl + lineIndent : ''}` };
    }
    const ind = ' '.repeat(col);
    const block = stringify({ [e.key]: e.value }, { indent: unit.length || 2, lineWidth: 0 }).replace(/\n$/, '');
    return { edit: i, start: s.end, end: s.end, into: s, text: '\n' + block.split('\n').map((l) => ind + l).join('\n') };
  });
  pieces.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < pieces.length; i++) if (pieces[i]!.start < pieces[i - 1]!.end) throw new SpliceError('two edits overlap');
  // One pass, one join: slicing and re-concatenating a 20 MB text per edit made 3,000 edits take two minutes.
  const parts: string[] = [];
  let at = 0;
  for (const p of pieces) {
    parts.push(text.slice(at, p.start), p.text);
    at = p.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), placed: pieces };
}

function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text.slice(0, 20_000));
  if (!m) return '';
  return m[1]!.startsWith('\t') ? '\t' : ' '.repeat(Math.min(m[1]!.length, 8));
}

function plainJsonValue(value: unknown, unit: string, lineIndent: string): string {
  if (!unit) return JSON.stringify(value);
  return JSON.stringify(value, null, unit).replace(/\n/g, '\n' + lineIndent);
}

const rawJSON = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

/**
 * A JSON writer that writes each number as the input wrote it. JSON.parse turns `9223372036854775807` into
 * 9223372036854775808 and `1e400` into Infinity (which JSON.stringify writes as `null`): an edited node that holds one
 * (a schema's `maximum`, an example) would change value in the output. Numbers whose literal is not what JSON.stringify
 * writes are found in the input text (outside strings); each such value is written with its literal (JSON.rawJSON,
 * Node 22+), unless the input writes the same value two ways (then which one a copied number came from is unknown).
 */
function jsonWriter(text: string): typeof plainJsonValue {
  // Most specs have no such number: a cheap test first (it may match inside strings; the scan below does not).
  if (!rawJSON || !/[0-9][eE]|[0-9]{16}|\.[0-9]*0(?![0-9])|\.[0-9]{17}|-0(?![0-9.eE])/.test(text)) return plainJsonValue;
  const literals = new Map<number, string | null>();
  const canonical = new Set<number>();
  const re = /"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const tok = m[0];
    if (tok.charCodeAt(0) === 34 /* " */) continue;
    const v = Number(tok);
    // -0 and 0 are one key of a Map: left as JSON.stringify writes them.
    if (v === 0) continue;
    if (String(v) === tok) canonical.add(v);
    else if (!literals.has(v)) literals.set(v, tok);
    else if (literals.get(v) !== tok) literals.set(v, null);
  }
  for (const v of canonical) literals.delete(v);
  for (const [v, tok] of literals) if (tok === null) literals.delete(v);
  if (!literals.size) return plainJsonValue;
  const replacer = (_k: string, v: unknown) => (typeof v === 'number' && literals.has(v) ? rawJSON(literals.get(v)!) : v);
  return (value, unit, lineIndent) => (unit ? JSON.stringify(value, replacer, unit).replace(/\n/g, '\n' + lineIndent) : JSON.stringify(value, replacer));
}

function yamlValue(text: string, s: Span, value: unknown, unit: string, col: number): string {
  const blockHere = /^[ \t-]*$/.test(text.slice(s.start - col, s.start)) && !/^[[{"']/.test(text[s.start]!);
  if (blockHere && value && typeof value === 'object' && Object.keys(value).length) {
    const block = stringify(value, { indent: unit.length || 2, lineWidth: 0 }).replace(/\n$/, '');
    return block.split('\n').map((l, i) => (i === 0 ? l : ' '.repeat(col) + l)).join('\n');
  }
  // Inline (a scalar, or a flow collection): JSON is valid YAML flow style and keeps the line as it was.
  return JSON.stringify(value);
}

/** The wanted pointers as a tree of their (unescaped) tokens: a frame finds its child by the key it just read. */
interface Wanted { edits: number[]; children: Map<string, Wanted> }
interface Frame { arr: boolean; node: Wanted; start: number; index: number; key: string; expectKey: boolean }

/**
 * One pass over the JSON text (no tree is built), recording where each wanted node starts and ends. The text has
 * parsed already (JSON.parse), so the scanner can trust its shape: strings are skipped with indexOf, containers off every
 * wanted pointer bracket by bracket, and keys are read (and matched against the wanted pointers, kept as a tree of
 * tokens) only along the way to a wanted node. (jsonc-parser's visitor took 0.3 s on a 20 MB spec; this about a tenth.)
 */
function jsonSpans(text: string, edits: TextEdit[]): Span[] {
  const root: Wanted = { edits: [], children: new Map() };
  edits.forEach((e, i) => {
    let node = root;
    for (const t of tokens(e.kind === 'replace' ? e.pointer : e.map)) {
      let next = node.children.get(t);
      if (!next) node.children.set(t, (next = { edits: [], children: new Map() }));
      node = next;
    }
    node.edits.push(i);
  });
  const spans: Span[] = [];
  const record = (node: Wanted, start: number, end: number) => {
    for (const i of node.edits) spans[i] = { start, end };
  };
  const stack: Frame[] = [];
  /** The wanted node of a value starting now (a wanted one or one on the way to one), or undefined. */
  const here = (): Wanted | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    return top.node.children.get(top.arr ? String(top.index) : top.key);
  };
  const n = text.length;
  /** The index of the quote that closes the string opened at `i`. */
  const stringEnd = (i: number): number => {
    const j = jsonStringEnd(text, i);
    return j < 0 ? n : j;
  };
  /** The index of the bracket that closes the object or array opened at `i` (nothing inside it is wanted). */
  const containerEnd = (i: number): number => {
    let depth = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) i = stringEnd(i);
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i;
    }
    return n;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      const node = here();
      // Most of a big spec is off every wanted path: it is skipped bracket by bracket, with no frame and no key read.
      if (!node) i = containerEnd(i);
      else stack.push({ arr: c === 0x5b, node, start: i, index: 0, key: '', expectKey: c === 0x7b });
    } else if (c === 0x7d || c === 0x5d) {
      const f = stack.pop()!;
      record(f.node, f.start, i + 1);
    } else if (c === 0x22) {
      const j = stringEnd(i);
      const top = stack[stack.length - 1];
      if (top && !top.arr && top.expectKey) {
        const raw = text.slice(i + 1, j);
        top.key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        top.expectKey = false;
      } else {
        const node = here();
        if (node) record(node, i, j + 1);
      }
      i = j;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1]!;
      if (top.arr) top.index++;
      else top.expectKey = true;
    } else if (c !== 0x3a && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      // A number, true, false or null: up to the next delimiter.
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      }
      const node = here();
      if (node) record(node, i, j);
      i = j - 1;
    }
  }
  edits.forEach((e, i) => {
    if (!spans[i]) throw new SpliceError(`${e.kind === 'replace' ? e.pointer : e.map} was not found in the text`);
  });
  return spans;
}

function yamlSpans(text: string, doc: Document, edits: TextEdit[]): Span[] {
  return edits.map((e) => {
    const pointer = e.kind === 'replace' ? e.pointer : e.map;
    const node = yamlNode(doc, tokens(pointer));
    if (!node?.range) throw new SpliceError(`${pointer} is behind a YAML alias or merge key: edit it by hand`);
    let end = node.range[1];
    if (isCollection(node) && !node.flow) while (end > node.range[0] && /\s/.test(text[end - 1]!)) end--;
    if (e.kind === 'add' && !(isCollection(node) && !node.flow)) throw new SpliceError(`${pointer} is not a block map`);
    return { start: node.range[0], end };
  });
}

function yamlNode(doc: Document, toks: string[]): Node | null {
  let cur: unknown = doc.contents;
  for (const t of toks) {
    if (!isCollection(cur)) return null;
    let next = cur.get(isSeq(cur) ? Number(t) : t, true);
    // An unquoted numeric key (`200:`) is a number in the YAML model.
    if (next === undefined && !isSeq(cur) && /^\d+$/.test(t)) next = cur.get(Number(t), true);
    if (next === undefined) return null;
    cur = next;
  }
  return isScalar(cur) || isCollection(cur) ? (cur as Node) : null;
}
