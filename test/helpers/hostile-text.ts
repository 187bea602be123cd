/**
 * Hostile outside text and the invariants every face must hold for it: a generator of strings an endpoint, OpenCX, a
 * spec or a user could send (mentions, links, entities, backticks and fences, formatting characters, bidi and zero-width
 * characters, ANSI CSI/OSC sequences, lone and paired surrogates, emoji with ZWJ, combining marks, very long strings),
 * and checkers for what Slack receives and what a terminal prints.
 */
import { seededRandom } from './seeded-random.js';

/** Every piece carries the marker word PWN where formatting would show, so "is it active?" is a string test (never at a
 * piece's edge: our own `*bold*` around a value would touch it). */
export const PIECES = [
  '<!channel>', '<!here>', '<@U1>', '<#C1>', '<!subteam^S1>', '<http://x|y>', '<https://evil.example/x|click>', '<!date^1^{date}|d>',
  '&amp;', '&lt;b&gt;', '&', 'a < b > c',
  '`', '``', '```', 'x`PWN`x', '```PWN```', 'x*PWN*x', 'x_PWN_x', 'x~PWN~x', ' *PWN* ', ' _PWN_ ', ' ~PWN~ ', '*PWN ', ' PWN_', '(~PWN~)', 'x＊PWN＊x', 'x＿PWN＿x', 'x｀PWN｀x', 'ses_web', 'x_request_id', '\n>PWN quote', '\n• fake line',
  '\u202E', '\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C',
  '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF',
  '\x1b[2J\x1b[H', '\x1b[32mNo problem found\x1b[0m', '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07', '\x9b31m', '\x07', '\x00', '\x7f', '\r', '\x08',
  '\uD83E', '\uDDFE', '🧾', '👩\u200D💻', '👍🏽', '🏳️\u200D🌈', 'e\u0301', 'Z\u0351\u0352\u0353', '\u0627\u0644\u0639\u0631\u0628\u064A\u0629',
  ':white_check_mark:', 'plain', ' ', '"quoted"', "it's",
] as const;

/** `count` hostile strings from a seed; every fifth is long (past any Slack limit), so cuts are exercised too. */
export function hostileStrings(seed: number, count: number): string[] {
  const rnd = seededRandom(seed);
  const pick = (): string => PIECES[Math.floor(rnd() * PIECES.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const parts = Array.from({ length: 1 + Math.floor(rnd() * 8) }, pick);
    if (i % 5 === 4) while (parts.join('').length < 5000) parts.push(pick(), 'w'.repeat(Math.floor(rnd() * 40)));
    return parts.join('');
  });
}

/** Controls (but \n, \t), DEL, C1, bidi, zero-width (a ZWJ inside an emoji is part of it) and lone surrogates. */
const RAW_UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200C\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]|(?<!\p{Extended_Pictographic}\uFE0F?|\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}])\u200D|\u200D(?!\p{Extended_Pictographic})|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
/** The same without the `u` flag (which cannot see lone surrogates). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeChar(s: string): string | null {
  const m = LONE_SURROGATE.exec(s) ?? RAW_UNSAFE.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}` : null;
}

/** `<…>` tokens we write ourselves: a mention of a real-looking user or channel, a date, an https link label. */
const OURS = /^<(@U0[A-Z0-9]+|#C[A-Z0-9]+|!date\^\d+\^[^|<>]*\|[^<>]*|https:\/\/[^\s<>|]+\|[^<>]*)>$/;
/**
 * A formatting character touching the planted word that could open or close formatting: any backtick or full-width form,
 * and `*`, `_`, `~` unless between two ASCII letters or digits (Slack formats nothing inside a word).
 */
const FORMATTING = /[`＊＿～｀]PWN|PWN[`＊＿～｀]|(?<![A-Za-z0-9])[*_~]PWN|PWN[*_~](?![A-Za-z0-9])/;

/** What Slack would act on in one mrkdwn string (fallback text or a text object). */
export function mrkdwnProblems(s: string): string[] {
  const out: string[] = [];
  const bad = unsafeChar(s);
  if (bad) out.push(`raw character ${bad}`);
  for (const m of s.matchAll(/<[^<>]*>/g)) if (!OURS.test(m[0]) || /U1>|C1>|S1|x\|y|evil/.test(m[0])) out.push(`token from outside: ${m[0]}`);
  if (/<[^>]*$/.test(s.replace(/<[^<>]*>/g, ''))) out.push('a < left open (a cut token)');
  if (/&(?!amp;|lt;|gt;)/.test(s)) out.push(`bare & or cut entity: …${/&(?!amp;|lt;|gt;).{0,6}/.exec(s)![0]}`);
  // Code blocks, then inline spans: every one closed; inside, Slack formats nothing.
  const fences = s.split('```');
  if (fences.length % 2 === 0) out.push('a ``` block left open');
  const outside = fences.filter((_, i) => i % 2 === 0).join('\n');
  for (const line of outside.split('\n')) {
    const ticks = line.split('`').length - 1;
    if (ticks % 2) out.push(`a code span left open: ${line.slice(0, 80)}`);
    const prose = line.split('`').filter((_, i) => i % 2 === 0).join(' ');
    if (FORMATTING.test(prose)) out.push(`active formatting from outside: ${FORMATTING.exec(prose)![0]}`);
    if (/^\s*(>|&gt;)PWN/.test(prose)) out.push('a quote from outside');
  }
  return out;
}

/** Every string of a Slack payload by how Slack reads it: mrkdwn (fallback `text`, mrkdwn objects) or plain_text. */
export function slackStrings(body: unknown): { mrkdwn: string[]; plain: string[] } {
  const out = { mrkdwn: [] as string[], plain: [] as string[] };
  const walk = (v: unknown, top: boolean) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, false));
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (top && typeof o['text'] === 'string' && o['mrkdwn'] !== false) out.mrkdwn.push(o['text']);
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') out.mrkdwn.push(o['text']);
    if (o['type'] === 'plain_text' && typeof o['text'] === 'string') out.plain.push(o['text']);
    for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x === 'object') walk(x, false);
  };
  walk(body, true);
  return out;
}

/** Slack's per-field limits, in UTF-16 units (conservative: Slack counts characters). */
function limitProblems(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, parent: string) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, parent));
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o['type'] === 'header' && (o['text'] as { text: string }).text.length > 150) out.push('header over 150');
    if (o['type'] === 'section' && o['text'] && (o['text'] as { text: string }).text.length > 3000) out.push('section over 3000');
    if (o['type'] === 'button' && (o['text'] as { text: string }).text.length > 75) out.push('button text over 75');
    for (const x of Object.values(o)) walk(x, String(o['type'] ?? parent));
  };
  walk(body, '');
  const t = (body as { text?: unknown }).text;
  if (typeof t === 'string' && t.length > 4000) out.push('fallback text over 4000');
  return out;
}

/** Everything wrong with one Slack message or view, each problem naming where it is. */
export function slackProblems(name: string, body: unknown): string[] {
  const { mrkdwn, plain } = slackStrings(body);
  const out: string[] = [];
  for (const s of mrkdwn) for (const p of mrkdwnProblems(s)) out.push(`${name}: ${p} in ${JSON.stringify(s.slice(0, 160))}`);
  for (const s of plain) {
    const bad = unsafeChar(s);
    if (bad) out.push(`${name}: raw character ${bad} in plain_text ${JSON.stringify(s.slice(0, 160))}`);
  }
  for (const p of limitProblems(body)) out.push(`${name}: ${p}`);
  return out;
}

/**
 * Where Slack would parse text on its own (docs.slack.dev, text object: "When set to false (as is default) … certain
 * mentions will be automatically parsed"; chat.update's `parse` "defaults to client"): a mrkdwn object without
 * `verbatim: true`, or a chat.update without `parse: none`.
 */
export function autoParsed(name: string, method: string, body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string' && o['verbatim'] !== true) out.push(`${name}: mrkdwn without verbatim: ${JSON.stringify(o['text'].slice(0, 80))}`);
    for (const x of Object.values(o)) if (x && typeof x === 'object') walk(x);
  };
  walk(body);
  if (method === 'chat.update' && (body as Record<string, unknown>)['parse'] !== 'none') out.push(`${name}: chat.update without parse: none`);
  return out;
}

/** What a terminal would run: ESC, other controls, bidi and zero-width characters, lone surrogates. */
export function terminalProblems(name: string, text: string): string[] {
  const bad = unsafeChar(text);
  return bad ? [`${name}: raw character ${bad}: ${JSON.stringify(text.slice(Math.max(0, Number(bad.split(' at ')[1]) - 40), Number(bad.split(' at ')[1]) + 40))}`] : [];
}
