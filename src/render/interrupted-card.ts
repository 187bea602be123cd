import { ACTIONS, type CardContext, type SlackMessage } from './blocks.js';
import { code, cut, mrkdwnEscape as esc, userRef, SLACK_LIMITS as L } from './slack-limits.js';

/**
 * The card of a diagnosis that a restart interrupted and that could not simply be run again (its header values are never
 * stored, or it was interrupted too often): it says so, names the requester, and keeps a Re-run button that works.
 */
export function interruptedCard(c: CardContext, why: string): SlackMessage {
  const what = [c.action ? `*Action* ${esc(c.action)}` : null, c.session ? `*Session* ${code(c.session).text}` : null, c.endpoint ? `*Endpoint* ${c.method} ${esc(hostOf(c.endpoint))}` : null].filter(Boolean).join('  ·  ');
  const text = `:warning: This diagnosis was interrupted by a restart of action-debug. ${why}`;
  return {
    text: cut(`action-debug: interrupted by a restart. ${why}`, L.fallbackText, '…'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(text, L.sectionText) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: cut(`${what}  ·  requested by ${userRef(c.requestedBy).text}`, L.sectionText) }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Re-run', emoji: true }, action_id: ACTIONS.rerun, value: c.cardId, style: 'primary' }] },
    ],
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
