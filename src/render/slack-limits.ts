import { visibleText } from '../core/visible-text.js';

/** Slack's Block Kit limits (docs.slack.dev/reference/block-kit), enforced by the renderers and the fake Slack alike. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  actionsElements: 25,
  fallbackText: 4000,
  privateMetadata: 3000,
  modalTitle: 24,
} as const;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The last grapheme boundary at or before `n` (< text.length): a cut there splits no surrogate pair, emoji or accent. */
function graphemeEnd(text: string, n: number): number {
  let last = 0;
  for (const { index } of graphemes.segment(text)) {
    if (index > n) break;
    last = index;
  }
  return last;
}

/**
 * Where mrkdwn can end at or before `end` without breaking markup: never inside an entity (`&am`), a `<…>` token of
 * ours (`<@U…`, `<!date^…`) or a run of backticks; a code span or block left open gets its closer, so nothing after the
 * cut (the pointer, the next block's text) is read as code, and an empty one is dropped.
 */
function mrkdwnEnd(text: string, end: number): { end: number; closer: string } {
  // (end > 0: lastIndexOf with a negative start still looks at index 0.)
  while (end > 0) {
    const amp = text.lastIndexOf('&', end - 1);
    if (amp >= 0 && !text.slice(amp, end).includes(';')) {
      end = amp;
      continue;
    }
    const lt = text.lastIndexOf('<', end - 1);
    if (lt > text.lastIndexOf('>', end - 1)) {
      end = lt;
      continue;
    }
    if (end > 0 && text[end - 1] === '`' && text[end] === '`') {
      end--;
      continue;
    }
    // A `*`, `_` or `~` kept inside a word (see mrkdwnEscape) would end the text and could close formatting.
    if (/[*_~]/.test(text[end - 1]!) && WORD.test(text[end] ?? '')) {
      end--;
      continue;
    }
    break;
  }
  let fence = -1;
  let span = -1;
  for (let i = 0; i < end; i++) {
    if (text.startsWith('```', i) && span < 0) {
      fence = fence < 0 ? i : -1;
      i += 2;
    } else if (text[i] === '`' && fence < 0) span = span < 0 ? i : -1;
    else if (text[i] === '\n' && span >= 0) span = -1;
  }
  if (fence >= 0) return end - fence <= 3 ? { end: fence, closer: '' } : { end, closer: '```' };
  if (span >= 0) return end - span <= 1 ? { end: span, closer: '' } : { end, closer: '`' };
  return { end, closer: '' };
}

/**
 * Cuts mrkdwn (already escaped) to `max` UTF-16 units, the pointer included, saying where the rest is: on a grapheme
 * boundary, never inside an entity, a `<…>` token or a code span (see mrkdwnEnd).
 */
export function cut(text: string, max: number, pointer = '… (more in the thread)'): string {
  if (text.length <= max) return text;
  if (pointer.length > max) pointer = '…';
  let budget = max - pointer.length;
  for (;;) {
    const { end, closer } = mrkdwnEnd(text, graphemeEnd(text, Math.max(0, budget)));
    if (end + closer.length + pointer.length <= max || budget <= 0) return text.slice(0, end) + closer + pointer;
    budget = Math.min(budget - 1, max - pointer.length - closer.length);
  }
}

/** Cuts text that is not markup (plain_text, a button's value) on a grapheme boundary, the pointer included. */
export function cutPlain(text: string, max: number, pointer = '…'): string {
  if (text.length <= max) return text;
  if (pointer.length > max) pointer = '';
  return text.slice(0, graphemeEnd(text, max - pointer.length)) + pointer;
}

/**
 * Slack documents escaping for `&`, `<` and `>` only (as entities) and no way to show `*`, `_`, `~` or a backtick
 * literally outside a code span. Outside text gets look-alikes for them (the same ones jsx-slack's <Escape> settled on):
 * one BMP character each, so lengths do not change, nothing invisible is inserted (zero-width characters are what we
 * make visible), and no `<!date…>` trick that only works outside code. The full-width forms Slack also reads as markup
 * get them too. A `*`, `_` or `~` between two ASCII letters or digits of the same value stays: Slack neither opens nor
 * closes formatting inside a word (`ses_web`, `x_request_id` are shown as typed and stay copyable; jsx-slack documents
 * `Super_cali_fragilistic*expiali*docious` rendering literally). Inside a code span Slack formats nothing, so `code()`
 * keeps `*_~` as typed and only replaces the backtick that would close it.
 */
const LOOK_ALIKE: Record<string, string> = { '*': '\u2217', '_': '\u02CD', '~': '\u223C', '`': '\u02CB', '\uFF0A': '\uFE61', '\uFF3F': '\u02CD', '\uFF5E': '\u223C', '\uFF40': '\u02CB' };

function entities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * THE rule for outside text entering mrkdwn: controls, bidi and zero-width characters made visible (`<U+202E>`), the
 * three characters Slack parses escaped as entities, the formatting characters that could format replaced by
 * look-alikes (above), and a `>` that starts a line (Slack quotes the line, even as `&gt;`) shown as `›`.
 */
export function mrkdwnEscape(text: string): string {
  const shown = visibleText(text).replace(/(^|\n)>/g, '$1\u203A');
  return entities(shown.replace(/[*_~`\uFF0A\uFF3F\uFF5E\uFF40]/g, (c, i: number) => (c !== '`' && c.charCodeAt(0) < 0x80 && WORD.test(shown[i - 1] ?? '') && WORD.test(shown[i + 1] ?? '') ? c : LOOK_ALIKE[c]!)));
}

const WORD = /^[A-Za-z0-9]$/;

/** Outside text for a plain_text object (headers, options): Slack formats nothing there, but bidi controls still act. */
export function plain(text: string): string {
  return visibleText(text);
}

/** Outside text inside a code span or block: entities, visible controls, and no backtick that could close it. */
function codeText(text: string): string {
  return entities(visibleText(text)).replace(/[`\uFF40]/g, '\u02CB');
}

/** An inline code span around outside text: on one line (a newline would end it) and impossible to close from inside. */
export function code(text: string): Mrkdwn {
  return new Mrkdwn('`' + codeText(text).replace(/\n/g, '\\n') + '`');
}

/** A code block (```) around outside text, lines kept; nothing inside can close it. */
export function codeBlock(text: string): Mrkdwn {
  return new Mrkdwn('```' + codeText(text) + '```');
}

/**
 * Our own text with `<placeholders>` (usage lines): only its `&`, `<` and `>` are escaped, so its `*bold*` and
 * `code` still format. Never for outside text.
 */
export function ownText(text: string): Mrkdwn {
  return new Mrkdwn(entities(text));
}

/**
 * Text that is already mrkdwn: our own markup, in which everything that is not ours has been escaped. Only `md` and
 * the reference helpers below make one, so "is this escaped?" is answered by the type, not by memory.
 */
export class Mrkdwn {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * THE escaping rule for text that is not ours (users, probed endpoints, OpenCX, ticket forms, file names): it enters
 * markup escaped, so `<!channel>`, `<@U…>` or `<https://evil|click>` from outside is shown, never acted on. It applies
 * to mrkdwn text objects, code spans (Slack parses `<…>` inside them too) and a message's fallback `text` (also mrkdwn).
 */
export function mrkdwn(x: string | Mrkdwn): string {
  return x instanceof Mrkdwn ? x.text : mrkdwnEscape(x);
}

/** A template whose literal parts are ours and whose values are escaped (unless already Mrkdwn). */
export function md(strings: TemplateStringsArray, ...values: (string | number | Mrkdwn | null | undefined)[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += v instanceof Mrkdwn ? v.text : mrkdwnEscape(String(v ?? '')) ;
    out += strings[i + 1] ?? '';
  });
  return new Mrkdwn(out);
}

/** A user mention, only for an ID shaped like Slack's; anything else is shown as text. */
export function userRef(id: string): Mrkdwn {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? new Mrkdwn(`<@${id}>`) : new Mrkdwn(mrkdwnEscape(id));
}

/** A channel reference, only for an ID shaped like Slack's. */
export function channelRef(id: string): Mrkdwn {
  return /^[CGD][A-Z0-9]{2,}$/.test(id) ? new Mrkdwn(`<#${id}>`) : new Mrkdwn(mrkdwnEscape(id));
}

/** A link to a Slack permalink we were given by Slack's API (https only; `|` and `>` cannot break out). */
export function linkRef(url: string, label: string): Mrkdwn {
  if (!/^https:\/\/[^\s<>|]+$/.test(url)) return new Mrkdwn(mrkdwnEscape(label));
  return new Mrkdwn(`<${url}|${mrkdwnEscape(label)}>`);
}
