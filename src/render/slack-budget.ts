import { SLACK_LIMITS } from './slack-limits.js';

/**
 * THE table of what Slack accepts in one message, per field and per message, read by the send boundary
 * (src/slack/send-boundary.ts) through which every chat.postMessage, chat.update, chat.postEphemeral and response_url
 * post goes. Per-field limits of Block Kit are in SLACK_LIMITS (the renderers cut to them); this adds the two limits
 * that hold for a message as a whole.
 */
export const MESSAGE_BUDGET = {
  /**
   * The text of all of a message's blocks together. Slack refuses more with `msg_blocks_too_long` (documented on
   * chat.postMessage: "Blocks submitted with this message are too long") and documents no threshold. Measured:
   * 13,297 characters of markdown blocks went through and one more did not (slackapi/bolt-js#2509); a Slack engineer
   * there: "12,000 text characters with a buffer for block containers"; 11,341 characters of `text` properties in
   * rich_text/section/header blocks were refused (slackapi/bolt-js#2867). 10,000 stays under every refusal seen.
   */
  blockText: 10_000,
  /** Blocks a message may carry (Block Kit: 50), one kept free for the "continued" line. */
  blocks: SLACK_LIMITS.blocksPerMessage - 1,
  /**
   * The fallback `text` of every message: chat.update documents "The text field cannot exceed 4,000 characters"
   * (msg_too_long); chat.postMessage truncates beyond 40,000. One cap for all, the lower one.
   */
  fallbackText: SLACK_LIMITS.fallbackText,
} as const;

type Block = Record<string, unknown>;

/** Characters of text a set of blocks carries, as Slack's budget counts them: every `text` string, at any depth. */
export function blockTextLength(blocks: unknown): number {
  let n = 0;
  const stack: unknown[] = [blocks];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'text' && typeof x === 'string') n += x.length;
        else if (x && typeof x === 'object') stack.push(x);
      }
    }
  }
  return n;
}

/**
 * Text cut to at most `max` UTF-16 units, never inside a surrogate pair, an HTML entity (`&amp;`) or a Slack token
 * (`<@U…>`, `<!date…>`, `<https://…|…>`), ending with `tail`. Beside cut() (which the renderers use for one field):
 * this one is the boundary's, for a fallback text nobody cut before.
 */
export function capText(text: string, max: number, tail = '…'): string {
  if (text.length <= max) return text;
  let s = text.slice(0, Math.max(0, max - tail.length));
  if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  s = s.replace(/&[a-zA-Z#0-9]*$/, '').replace(/<[^>]*$/, '');
  return s + tail;
}

/** Blocks in consecutive groups of at most `count` blocks and `text` characters (a block is never split; one always fits). */
export function chunkBlocks<B>(blocks: B[], count: number, text: number): B[][] {
  const out: B[][] = [];
  let cur: B[] = [];
  let size = 0;
  for (const b of blocks) {
    const n = blockTextLength(b);
    if (cur.length && (cur.length >= count || size + n > text)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(b);
    size += n;
  }
  if (cur.length || !out.length) out.push(cur);
  return out;
}

/** What one message becomes: its parts, the first posted where it was asked, the others after it. */
export interface Part {
  text: string;
  blocks?: Block[];
}

/**
 * A message split into parts that each fit the budget (block text and block count), in order, never splitting a
 * block. Each part but the last ends with a line saying the rest follows; each part but the first says it continues.
 * `where`: what the first part says about where the rest is ("in the thread", "below").
 */
export function splitMessage(msg: { text?: unknown; blocks?: unknown }, where: string): Part[] {
  const text = capText(typeof msg.text === 'string' ? msg.text : '', MESSAGE_BUDGET.fallbackText);
  const blocks = Array.isArray(msg.blocks) ? (msg.blocks as Block[]) : undefined;
  if (!blocks) return [{ text }];
  // Room for the "continued" lines each part may get.
  const budget = MESSAGE_BUDGET.blockText - 200;
  const groups: Block[][] = [];
  let cur: Block[] = [];
  let size = 0;
  for (const b of blocks) {
    const n = blockTextLength(b);
    if (cur.length && (size + n > budget || cur.length >= MESSAGE_BUDGET.blocks - 1)) {
      groups.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(b);
    size += n;
  }
  groups.push(cur);
  if (groups.length === 1) return [{ text, blocks }];
  const total = groups.length;
  return groups.map((g, i) => {
    const out = [...g];
    if (i < total - 1) out.push(note(i === 0 ? `Continued ${where} (part 1 of ${total}).` : `Continued in the next message (part ${i + 1} of ${total}).`));
    return { text: i === 0 ? text : capText(`(continued, part ${i + 1} of ${total}) ${text}`, MESSAGE_BUDGET.fallbackText), blocks: i === 0 ? out : [note(`(continued, part ${i + 1} of ${total})`), ...out] };
  });
}

function note(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `_${text}_` }] };
}

/** Whether a message fits as it is (the boundary passes it through unchanged then). */
export function fits(msg: { text?: unknown; blocks?: unknown }): boolean {
  const t = typeof msg.text === 'string' ? msg.text.length : 0;
  const blocks = Array.isArray(msg.blocks) ? msg.blocks : [];
  return t <= MESSAGE_BUDGET.fallbackText && blocks.length <= SLACK_LIMITS.blocksPerMessage && blockTextLength(blocks) <= MESSAGE_BUDGET.blockText;
}
