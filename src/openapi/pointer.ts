/** JSON Pointer helpers (RFC 6901) for locating schemas inside a spec. */
// Most tokens hold neither `~` nor `/`: the checks spare two regex replaces per node on a 20 MB spec.
export const escapeToken = (t: string | number) => {
  const s = String(t);
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
};
export const unescapeToken = (t: string) => (t.includes('~') ? t.replace(/~1/g, '/').replace(/~0/g, '~') : t);

export function join(pointer: string, ...tokens: (string | number)[]): string {
  let p = pointer;
  for (const t of tokens) p += '/' + escapeToken(t);
  return p;
}

export function tokens(pointer: string): string[] {
  // Called for every $ref of a 20 MB spec, several times: no regex, and unescaping only where a `~` is.
  const parts = (pointer.charCodeAt(0) === 35 /* # */ ? pointer.slice(1) : pointer).split('/');
  parts.shift();
  if (pointer.includes('~')) for (let i = 0; i < parts.length; i++) parts[i] = unescapeToken(parts[i]!);
  return parts;
}

export function get(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of tokens(pointer)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    // `__proto__` names a key only where the document has one (JSON.parse makes it an own property), never the prototype.
    if (t === '__proto__' && !Object.hasOwn(cur, t)) return undefined;
    cur = (cur as Record<string, unknown>)[t];
  }
  return cur;
}

/**
 * A local `$ref` ("#/…") as a JSON pointer in this module's form. A `$ref` is a URI, so its fragment is
 * percent-encoded (RFC 6901 §6): `#/paths/~1v2~1keys~1%7Bid%7D` names the path `/v2/keys/{id}`, as swagger-parser
 * reads it. Decoding happens once, here, so every pointer inside the check is plain (`{id}`), whichever way the
 * spec spelled it. A malformed escape (`%zz`) is kept as written: such a ref then resolves to nothing and is reported.
 */
export function refToPointer(ref: string): string {
  if (!ref.startsWith('#')) return ref;
  if (!ref.includes('%')) return ref;
  try {
    return decodeURIComponent(ref);
  } catch {
    return ref;
  }
}

/** The target of a local `$ref`, or undefined (external refs are never followed). */
export function resolveRef(doc: unknown, ref: string): unknown {
  return ref.startsWith('#') ? get(doc, refToPointer(ref)) : undefined;
}

/** The last readable name in a pointer: `#/components/schemas/Order` → Order. */
export function nameOf(pointer: string): string {
  return tokens(pointer).at(-1) ?? pointer;
}
