import { isDeepStrictEqual } from 'node:util';
import type { LoadedSpec } from './load.js';
import { Cow } from './copy-on-write.js';
import { get, join } from './pointer.js';
import { jsonStringEnd, type Spliced, type TextEdit } from './splice.js';

/**
 * The parsed output of a JSON splice, without parsing all of it: the input's document with, at each edit, the value
 * parsed from the text the splice wrote there. That is what JSON.parse of the whole output gives, because JSON values
 * compose: the output is the input's bytes with complete values swapped for complete values (and members appended to
 * an object), so every other value reads as before. Two things are checked rather than assumed: each replaced stretch
 * of the input parses to the node its pointer names there (the splice found the right place), and each piece parses
 * (it is JSON). Null when either fails: the caller then parses the whole output.
 *
 * Why: re-parsing Microsoft Graph's 20 MB output took ~0.1 s and as much again in garbage collection (a second copy
 * of the document, young and surviving), and doubled --fix's memory; the pieces are a few hundred kB.
 */
export function splicedJson(input: LoadedSpec, edits: TextEdit[], spliced: Spliced): Record<string, unknown> | null {
  // The input's document is never changed: only the containers on the way to an edit are copied.
  const output = new Cow(input.api);
  const recognised = new Set<string>();
  try {
    for (const p of spliced.placed) {
      const e = edits[p.edit]!;
      if (e.kind === 'replace') {
        // The stretch replaced must be the node there (so its parents exist too); the root is never an edit.
        if (e.pointer === '#' || !isNode(input.text.slice(p.start, p.end), get(input.api, e.pointer))) return null;
        output.set(e.pointer, JSON.parse(p.text), false);
      } else {
        // `,"key": value` (or without the comma, into an empty object): one member appended to the object's text.
        const member = JSON.parse(`{${p.text.replace(/^\s*,/, '')}}`) as Record<string, unknown>;
        const map = get(input.api, e.map);
        if (!map || typeof map !== 'object' || Array.isArray(map) || !p.into) return null;
        // Several members go into one object (Microsoft Graph: 529 copies into its schemas): it is recognised once.
        const place = `${e.map} ${p.into.start} ${p.into.end} ${p.start}`;
        if (!recognised.has(place)) {
          if (!isObjectEnd(input.text, p.into, p.start, Object.keys(map))) return null;
          recognised.add(place);
        }
        for (const [k, v] of Object.entries(member)) output.set(join(e.map, k), v, false);
      }
    }
  } catch (err) {
    // Not JSON, or nested too deep to compare here (the whole text is then parsed, which JSON.parse does without a stack).
    if (err instanceof SyntaxError || err instanceof RangeError) return null;
    throw err;
  }
  return output.root;
}

/**
 * Whether `span` of the text is the object whose keys are `keys` (in order, no key twice) and `at` is just after its
 * last member (only whitespace up to its closing brace). Parsing a whole components section (Microsoft Graph: 8 MB)
 * to compare it would cost what reading the output where it changed saves, so the object is recognised by its
 * balanced brackets and its own keys, read in one pass.
 */
function isObjectEnd(text: string, span: { start: number; end: number }, at: number, keys: string[]): boolean {
  if (text.charCodeAt(span.start) !== 0x7b || text.charCodeAt(span.end - 1) !== 0x7d || at <= span.start || at >= span.end) return false;
  if (text.slice(at, span.end - 1).trim() !== '') return false;
  let depth = 0;
  let seen = 0;
  for (let i = span.start; i < span.end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const j = jsonStringEnd(text, i);
      if (j < 0) return false;
      if (depth === 1) {
        // A key at the object's own level is followed by a colon; a string value is not.
        let k = j + 1;
        while (k < span.end && /\s/.test(text[k]!)) k++;
        if (text.charCodeAt(k) === 0x3a) {
          const raw = text.slice(i + 1, j);
          if ((raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw) !== keys[seen++]) return false;
        }
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0 && i !== span.end - 1) return false;
    }
  }
  return depth === 0 && seen === keys.length;
}

/** Whether a stretch of JSON text is this value: written compactly it is its JSON.stringify (cheap); else parsed. */
function isNode(stretch: string, node: unknown): boolean {
  return node !== undefined && (stretch === JSON.stringify(node) || isDeepStrictEqual(JSON.parse(stretch), node));
}
