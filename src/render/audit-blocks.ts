import type { types } from '@slack/bolt';
import { FAMILIES, type Family } from '../pipeline/finding.js';
import type { AuditAction, AuditSummary, BrokenLine } from '../audit/schema.js';
import { cut, cutPlain, mrkdwnEscape as esc, userRef, SLACK_LIMITS as L } from './slack-limits.js';
import type { SlackMessage } from './blocks.js';
import { blockTextLength, chunkBlocks, MESSAGE_BUDGET } from './slack-budget.js';

type KnownBlock = types.KnownBlock;

/** The button on each broken line: opens that action's full card in the summary's thread. */
export const AUDIT_ACTIONS = { open: 'ad_audit_open', again: 'ad_audit_again' } as const;

/** Broken lines on the summary card itself; the rest go to its thread (Slack allows 50 blocks a message). */
export const CARD_LINES = 40;
/** Broken lines per thread message (one block each, under the 50-block limit). */
const THREAD_LINES = 45;

/** What the button carries: the audit and the action (the result itself is read from our store). */
export function openValue(auditId: string, actionId: string): string {
  return `${auditId}|${actionId}`;
}

function brokenBlock(auditId: string, b: BrokenLine): KnownBlock {
  const icon = b.severity === 'error' ? ':x:' : ':warning:';
  const text = `${icon} *${esc(b.name)}* · family ${b.family} · ${esc(b.title)} \`${b.cause}\`\n*Fix:* ${esc(b.fix)}`;
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: cut(text, L.sectionText, '…') },
    accessory: { type: 'button', text: { type: 'plain_text', text: 'Open card', emoji: true }, action_id: AUDIT_ACTIONS.open, value: cutPlain(openValue(auditId, b.id), L.buttonValue, '') },
  };
}

/**
 * How many broken lines the card shows: at most CARD_LINES, and no more than fit Slack's whole-message budget with the
 * card's header, counts and notes (the card is updated live: split, each update would post its rest again). The
 * thread carries the others, from the same number.
 */
function shownOnCard(auditId: string, s: AuditSummary): number {
  // The header, the counts and the notes are short (under 1,200 characters with every family listed): 1,500 kept for them.
  const room = MESSAGE_BUDGET.blockText - 1500;
  let n = 0;
  let size = 0;
  for (const b of s.brokenActions.slice(0, CARD_LINES)) {
    size += blockTextLength(brokenBlock(auditId, b));
    if (size > room) break;
    n++;
  }
  return n;
}

function countsLine(s: AuditSummary): string {
  const parts = [
    `*${s.total}* action${s.total === 1 ? '' : 's'}`,
    `:x: *${s.broken}* broken`,
    `:lock: *${s.needsCredentials}* need credentials to check`,
    `:white_check_mark: *${s.ok}* OK`,
    ...(s.notChecked ? [`:heavy_minus_sign: *${s.notChecked}* not checked`] : []),
  ];
  const families = (Object.entries(s.byFamily) as [string, number][]).filter(([, n]) => n > 0).map(([f, n]) => `family ${f} (${FAMILIES[Number(f) as Family]}): *${n}*`);
  return [parts.join('  ·  '), families.length ? families.join('  ·  ') : null].filter(Boolean).join('\n');
}

/**
 * The audit's one summary card, updated live: the counts, by family, one line per broken action (at most CARD_LINES;
 * the others are in the thread) each with its cause, its fix and a button that opens its full card.
 */
export function auditCard(auditId: string, s: AuditSummary, requestedBy: string): SlackMessage {
  const running = !s.complete;
  const title = running ? `Auditing ${s.total} actions… ${s.done}/${s.total}` : `Audit of ${s.total} actions: ${s.broken} broken`;
  const shown = s.brokenActions.slice(0, shownOnCard(auditId, s));
  const rest = s.brokenActions.length - shown.length;
  const notes = [
    `requested by ${userRef(requestedBy).text}`,
    running ? 'updating as actions are checked' : `${(s.durationMs / 1000).toFixed(0)} s`,
    s.timedOut ? 'the audit reached its time limit: the actions left are not checked' : null,
    s.needsCredentials ? 'OpenCX does not share saved header values: actions that answer 401/403 without them need a diagnosis with their header' : null,
  ].filter(Boolean) as string[];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cutPlain(title, L.headerText), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(countsLine(s), L.sectionText, '…') } },
    ...shown.map((b) => brokenBlock(auditId, b)),
    ...(rest > 0 ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: `… and ${rest} more broken action${rest === 1 ? '' : 's'}${running ? '' : ' in the thread'}.` }] }] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: cut(notes.join('  ·  '), L.sectionText, '…') }] },
  ];
  const text = running ? `action-debug audit: ${s.done}/${s.total} actions checked, ${s.broken} broken so far` : `action-debug audit: ${s.total} actions, ${s.broken} broken, ${s.needsCredentials} need credentials to check`;
  return { text: cut(text, L.fallbackText, '…'), blocks };
}

/**
 * The card of an audit a restart interrupted and that is not taken up again (interrupted too often, or no OpenCX key
 * any more): it says so instead of "Auditing…" for ever, and its button starts a new audit in this channel.
 */
export function interruptedAuditCard(requestedBy: string, why: string): SlackMessage {
  const text = `:warning: This audit was interrupted by a restart of action-debug. ${why}`;
  return {
    text: cut(`action-debug audit: interrupted by a restart. ${why}`, L.fallbackText, '…'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(text, L.sectionText, '…') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `requested by ${userRef(requestedBy).text}` }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Audit again', emoji: true }, action_id: AUDIT_ACTIONS.again, value: 'audit', style: 'primary' }] },
    ],
  };
}

/** The thread of a finished audit: the broken lines beyond the card's, then the actions that need credentials. */
export function auditThreadMessages(auditId: string, actions: AuditAction[], s: AuditSummary): SlackMessage[] {
  const out: SlackMessage[] = [];
  const onCard = shownOnCard(auditId, s);
  const rest = s.brokenActions.slice(onCard);
  // Chunked by count AND by text: long names and fixes make 45 lines more than Slack takes in one message.
  let from = onCard;
  for (const chunk of chunkBlocks(rest.map((b) => brokenBlock(auditId, b)), THREAD_LINES, MESSAGE_BUDGET.blockText)) {
    out.push({ text: `Broken actions ${from + 1}–${from + chunk.length} of ${s.broken}`, blocks: chunk });
    from += chunk.length;
  }
  const creds = actions.filter((a) => a.status === 'needs-credentials');
  if (creds.length) {
    const names = creds.map((a) => `${esc(a.name)} (${a.method})`).join(', ');
    out.push({ text: `${creds.length} actions need credentials to check`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(`:lock: *Need credentials to check* (they answer 401/403 without them; diagnose each with \`header="Authorization: …"\` or the form): ${names}`, L.sectionText) } }] });
  }
  const unchecked = actions.filter((a) => a.status === 'not-checked');
  if (unchecked.length) {
    out.push({ text: `${unchecked.length} actions not checked`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(`:heavy_minus_sign: *Not checked:* ${unchecked.map((a) => `${esc(a.name)} (${esc(a.verdict.title.replace(/^Not checked: /, ''))})`).join('; ')}`, L.sectionText) } }] });
  }
  return out;
}
