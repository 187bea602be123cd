import type { types } from '@slack/bolt';
import type { Seen, Transition } from '../watch/state.js';
import { cut, mrkdwnEscape as esc, SLACK_LIMITS as L } from './slack-limits.js';
import type { SlackMessage } from './blocks.js';
import { chunkBlocks, MESSAGE_BUDGET } from './slack-budget.js';

type KnownBlock = types.KnownBlock;
const PER_MESSAGE = 45;

/** A time Slack shows in each reader's own time zone, with the UTC time as the fallback. */
export function slackTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>` : esc(iso);
}

export function everyText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

function verdictText(s: Seen): string {
  if (s.status === 'ok') return 'no problem found';
  if (s.status === 'needs-credentials') return 'needs credentials to check (401/403 without them)';
  if (s.status === 'not-checked') return esc(s.title);
  return `${esc(s.title)} (family ${s.family}, \`${s.cause}\`)`;
}

function line(t: Transition, changes: string[]): string {
  // At most 6 changes a line, and how many more there were: never dropped without a word.
  const diff = changes.length ? `\n${changes.slice(0, 6).map((c) => `• ${esc(c)}`).join('\n')}${changes.length > 6 ? `\n• … and ${changes.length - 6} more change${changes.length === 7 ? '' : 's'}` : ''}` : '';
  switch (t.kind) {
    case 'first':
      return `:eyes: *${esc(t.after.name)}*: ${verdictText(t.after)}${t.after.status === 'broken' ? `\n*Fix:* ${esc(t.after.fix)}` : ''}`;
    case 'broken':
      return `:rotating_light: *${esc(t.after.name)}* broken since ${slackTime(t.after.since)}: ${verdictText(t.after)}\n*Fix:* ${esc(t.after.fix)}${diff}`;
    case 'fixed':
      return `:white_check_mark: *${esc(t.after.name)}* fixed since ${slackTime(t.after.since)}: ${verdictText(t.after)} (was: ${esc(t.before.title)}, broken since ${slackTime(t.before.since)})${diff}`;
    case 'changed':
      return `:warning: *${esc(t.after.name)}* changed at ${slackTime(t.after.since)}: now ${verdictText(t.after)}; was ${verdictText(t.before)}${t.after.status === 'broken' ? `\n*Fix:* ${esc(t.after.fix)}` : ''}${diff}`;
    case 'vanished':
      return `:ghost: *${esc(t.before.name)}* is no longer in OpenCX (deleted, or renamed: a renamed action is a new one to watch)`;
  }
}

/**
 * What a watch posts: only transitions (broken since, fixed since, another cause, gone from OpenCX), each with the diff
 * against the last run. `headline` opens the first message (what is watched); empty transitions post nothing.
 */
export function watchMessages(headline: string, transitions: Transition[], changes: ReadonlyMap<string, string[]>, footer: string | null): SlackMessage[] {
  if (!transitions.length && !footer) return [];
  const blocks: KnownBlock[] = transitions.map((t) => ({ type: 'section', text: { type: 'mrkdwn', text: cut(line(t, changes.get(t.id) ?? []), L.sectionText, '…') } }));
  const out: SlackMessage[] = [];
  // Chunked by count AND by text (Slack refuses a message whose blocks' text passes its budget: MESSAGE_BUDGET), with
  // room kept for the headline and the footer; each message after the first says it continues.
  const chunks = chunkBlocks(blocks, PER_MESSAGE, MESSAGE_BUDGET.blockText - 2 * L.sectionText);
  chunks.forEach((chunk, i) => {
    const head: KnownBlock[] = i === 0 ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: cut(headline, L.sectionText, '…') }] }] : [];
    const last = i === chunks.length - 1;
    const foot: KnownBlock[] = last && footer ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: cut(footer, L.sectionText, '…') }] }] : [];
    const more: KnownBlock[] = last ? [] : [{ type: 'context', elements: [{ type: 'mrkdwn', text: `_Continued in the next message (${i + 1} of ${chunks.length})._` }] }];
    const text = transitions.length ? `${stripMarkup(headline)}: ${transitions.length} change${transitions.length === 1 ? '' : 's'}${chunks.length > 1 ? ` (${i + 1} of ${chunks.length})` : ''}` : stripMarkup(footer ?? headline);
    out.push({ text: cut(text, L.fallbackText, '…'), blocks: [...head, ...chunk, ...foot, ...more] });
  });
  return out;
}

/**
 * Our bold, dates and emoji out of a notification's text. Code spans stay: outside text shown as typed is in one
 * (mrkdwnEscape), and without its backticks its `*_~` would format.
 */
function stripMarkup(s: string): string {
  const ours = s.replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1').split('`');
  return ours.map((x, i) => (i % 2 ? x : x.replace(/\*/g, '').replace(/:[a-z_]+: /g, ''))).join('`');
}
