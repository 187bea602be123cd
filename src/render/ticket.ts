import type { types } from '@slack/bolt';
import { code, cut, cutPlain, linkRef, mrkdwnEscape as esc, plain, userRef, SLACK_LIMITS as L } from './slack-limits.js';

export { UrgencySchema, TicketSchema, type Ticket, type TicketDraft } from '../pipeline/ticket.js';
import type { Ticket, TicketDraft } from '../pipeline/ticket.js';
import { verdictLine } from '../pipeline/verdict.js';

/** Ready to paste into a support form or an email. */
export function ticketMarkdown(t: Ticket): string {
  const lines = [
    `# Action failure: ${t.action ?? t.endpoint} (ticket #${t.number}, ${t.status})`,
    '',
    `- **Action:** ${t.action ?? '(not given)'}`,
    `- **Session ID:** ${t.session ?? '(not given)'}`,
    `- **Endpoint:** ${t.method} ${t.endpoint}`,
    `- **Verdict:** ${verdictLine(t)}${t.familyTitle ? ` (${t.familyTitle})` : ''}`,
    `- **Urgency:** ${t.urgency}`,
    `- **First failure seen:** ${t.firstFailureAt ?? 'unknown'}`,
    `- **Slack thread:** ${t.threadLink ?? '(none)'}`,
    `- **Opened:** ${t.createdAt} by ${t.createdBy}${t.resolvedAt ? `; resolved ${t.resolvedAt} by ${t.resolvedBy}` : ''}`,
    '',
    '## Expected behaviour',
    t.expected || '(not given)',
    '',
    '## Customer impact',
    t.impact || '(not given)',
    '',
    '## Evidence (secrets redacted)',
    ...t.evidence.map((e) => `- ${e}`),
    '',
    '## Suggested fix',
    t.fix,
    ...(t.alsoFound.length ? ['', '## Also found', ...t.alsoFound.map((a) => `- ${a}`)] : []),
    '',
    '## Already tried',
    ...(t.tried.length ? t.tried.map((x) => `- ${x}`) : ['- (nothing yet)']),
  ];
  return lines.join('\n') + '\n';
}

export const TICKET_ACTIONS = { resolve: 'ad_ticket_resolve' } as const;

/** The ticket as a card in the support channel, linking back to the requester's thread. */
export function ticketBlocks(t: Ticket): { text: string; blocks: types.KnownBlock[] } {
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cutPlain(plain(`Ticket #${t.number} · ${t.urgency} · ${t.action ?? t.endpoint}`), L.headerText), emoji: true } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          [
            `*Verdict:* ${verdictLine(t, esc)}`,
            `*Session:* ${code(t.session ?? '?').text}  *Endpoint:* ${t.method} ${esc(t.endpoint)}`,
            `*Expected:* ${esc(t.expected || '—')}`,
            `*Impact:* ${esc(t.impact || '—')}`,
            `*Evidence:*\n${t.evidence.slice(0, 6).map((e) => `• ${esc(e)}`).join('\n')}`,
            ...(t.alsoFound.length ? [`*Also found:* ${t.alsoFound.map((a) => code(a).text).join(', ')}`] : []),
            `*Tried:* ${t.tried.length ? esc(t.tried.join('; ')) : 'nothing yet'}`,
          ].join('\n'),
          L.sectionText,
        ),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: cut(`Opened by ${userRef(t.createdBy).text} · first failure ${esc(t.firstFailureAt ?? 'unknown')}${t.threadLink ? ` · ${linkRef(t.threadLink, "requester's thread").text}` : ''}`, L.sectionText) }] },
  ];
  if (t.status === 'open') {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Mark resolved' }, style: 'primary', action_id: TICKET_ACTIONS.resolve, value: String(t.number) }] });
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:white_check_mark: Resolved by ${userRef(t.resolvedBy ?? '?').text} at ${esc(t.resolvedAt ?? '')}` }] });
  }
  return { text: cut(esc(`Ticket #${t.number}: ${t.action ?? t.endpoint}: ${t.title}`), L.fallbackText, '…'), blocks };
}

/** The line a card carries once escalated (on the card, in its thread, and on a card revived after a restart). */
export function escalatedLine(t: Pick<Ticket, 'number' | 'createdBy'>): string {
  return `:ticket: Escalated as ticket #${t.number} by ${userRef(t.createdBy).text}`;
}
