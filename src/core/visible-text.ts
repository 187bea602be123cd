/**
 * Characters from outside (an endpoint's body and headers, OpenCX, a spec, what users type) that act instead of showing:
 * terminal controls (C0 but newline and tab, DEL, C1: ESC starts ANSI/OSC sequences that clear a screen, recolour a
 * verdict or plant a link), bidi controls (they reorder what follows: `txt\u202Eexe.` reads as `txt.exe`), zero-width
 * characters (they hide text or split a word a reader searches for) and lone UTF-16 surrogates (Slack and terminals
 * show them as U+FFFD, or refuse the payload). One rule decides them for Slack and for the CLI.
 */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const PICTO = /\p{Extended_Pictographic}/u;

/**
 * A zero-width joiner between two pictographs is part of one emoji (👩‍💻): it is shown as the emoji, hides nothing, and
 * spelling it out would break a harmless character. Anywhere else it is made visible like the other zero-width ones.
 */
function zwjInEmoji(s: string, i: number): boolean {
  let j = i - 1;
  // Skip a variation selector or a skin-tone modifier (a surrogate pair) before the joiner.
  if (s[j] === '\uFE0F') j--;
  if (j >= 1 && /[\uDFFB-\uDFFF]/.test(s[j]!) && s[j - 1] === '\uD83C') j -= 2;
  const before = j >= 1 && /[\uDC00-\uDFFF]/.test(s[j]!) ? s.slice(j - 1, j + 1) : (s[j] ?? '');
  const after = s.codePointAt(i + 1);
  return PICTO.test(before) && after !== undefined && PICTO.test(String.fromCodePoint(after));
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/**
 * For people (Slack text, terminal): a control character becomes `\x1b`-style text, a bidi or zero-width character or a
 * lone surrogate `<U+202E>`. Newlines and tabs stay. The result prints exactly what it says.
 */
export function visibleText(s: string): string {
  return s.replace(UNSAFE, (ch, offset: number) => {
    const c = ch.charCodeAt(0);
    if (c === 0x200d && zwjInEmoji(s, offset)) return ch;
    return c < 0xa0 ? `\\x${hex(c, 2).toLowerCase()}` : `<U+${hex(c, 4)}>`;
  });
}

/**
 * For JSON text (`--json`): the same characters as `\uXXXX` escapes, which every JSON parser reads back as the same
 * string (JSON.stringify already escapes C0 controls and lone surrogates, not DEL, C1, bidi or zero-width ones). Only
 * valid on JSON text: outside a string literal these characters cannot occur in JSON at all.
 */
export function jsonVisible(s: string): string {
  return s.replace(UNSAFE, (ch) => `\\u${hex(ch.charCodeAt(0), 4).toLowerCase()}`);
}
