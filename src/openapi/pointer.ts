/** JSON Pointer helpers (RFC 6901) for locating schemas inside a spec. */
export const escapeToken = (t: string | number) => String(t).replace(/~/g, '~0').replace(/\//g, '~1');
export const unescapeToken = (t: string) => t.replace(/~1/g, '/').replace(/~0/g, '~');

export function join(pointer: string, ...tokens: (string | number)[]): string {
  return tokens.reduce<string>((p, t) => `${p}/${escapeToken(t)}`, pointer);
}

export function tokens(pointer: string): string[] {
  return pointer.replace(/^#/, '').split('/').slice(1).map(unescapeToken);
}

export function get(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of tokens(pointer)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[t];
  }
  return cur;
}

/** The last readable name in a pointer: `#/components/schemas/Order` → Order. */
export function nameOf(pointer: string): string {
  return tokens(pointer).at(-1) ?? pointer;
}
