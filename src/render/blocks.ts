import type { types } from '@slack/bolt';
import type { Finding } from '../pipeline/finding.js';
import type { ProbeResult, Report } from '../pipeline/report.js';
import { renderProbeDetails } from './text.js';
import { alsoFoundOnCard, checkCounts, requestIdOf, wrongUrl } from './card-facts.js';
import { isProblem, NO_PROBLEM_TITLE, problemFindings, topEvidence } from '../pipeline/verdict.js';
import { code, codeBlock, cut, cutPlain, mrkdwn, mrkdwnEscape as esc, ownText, plain, userRef, type Mrkdwn, SLACK_LIMITS as L } from './slack-limits.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Button action ids: the Slack layer routes on these; the value carries the card id. */
export const ACTIONS = {
  rerun: 'ad_rerun',
  details: 'ad_details',
  escalate: 'ad_escalate',
  rerunLater: 'ad_rerun_later',
  followUp: 'ad_follow_up',
} as const;

const STATUS_ICON: Record<ProbeResult['status'] | 'running', string> = {
  running: ':hourglass_flowing_sand:',
  passed: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
  error: ':warning:',
};

export interface CardContext {
  cardId: string;
  action: string | null;
  session: string | null;
  /** null when no endpoint was known (a diagnosis from OpenCX alone). */
  endpoint: string | null;
  method: string;
  requestedBy: string;
}

function contextLine(c: CardContext, extra: string[] = []): KnownBlock {
  const parts = [c.action ? `*Action* ${code(c.action).text}` : null, c.session ? `*Session* ${code(c.session).text}` : null, c.endpoint ? `*Endpoint* ${c.method} ${esc(safeHost(c.endpoint))}` : '*Endpoint* none known', `requested by ${userRef(c.requestedBy).text}`, ...extra].filter(Boolean) as string[];
  return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(parts.join('  ·  '), L.sectionText) }] };
}

function safeHost(url: string | null): string {
  if (url === null) return 'no endpoint';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function button(text: string, action_id: string, value: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', text: { type: 'plain_text', text: cutPlain(plain(text), L.buttonText), emoji: true }, action_id, value: cutPlain(value, L.buttonValue, ''), ...(style ? { style } : {}) };
}

/** The card while probes run: one line per probe, updated in place. */
export function runningCard(c: CardContext, probes: { id: string; title: string }[], done: Map<string, ProbeResult>): SlackMessage {
  const lines = probes.map((p) => {
    const r = done.get(p.id);
    return `${STATUS_ICON[r?.status ?? 'running']} ${esc(p.title)}${r && r.status !== 'passed' ? ` — ${esc(r.summary)}` : ''}`;
  });
  return {
    text: cut(`action-debug: diagnosing ${c.method} ${esc(safeHost(c.endpoint))}… (${done.size}/${probes.length} checks done)`, L.fallbackText, '…'),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cutPlain(plain(`Diagnosing ${c.action ?? safeHost(c.endpoint)}…`), L.headerText), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(lines.join('\n'), L.sectionText) } },
      contextLine(c),
    ],
  };
}

function evidenceText(evidence: string[], maxLines = 4): string {
  const lines = evidence.slice(0, maxLines).map((e) => `• ${esc(e)}`);
  if (evidence.length > maxLines) lines.push(`• … ${evidence.length - maxLines} more in the thread`);
  return lines.join('\n');
}

/** The final card: the family in the header, the most likely cause with its evidence and fix, and the buttons. */
export function verdictCard(c: CardContext, report: Report, opts: { escalatedAs?: string } = {}): SlackMessage {
  const v = report.verdict;
  const header = isProblem(v) ? `:red_circle: Family ${v.family} · ${v.familyTitle}` : `:white_check_mark: ${NO_PROBLEM_TITLE}`;
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: cutPlain(plain(header), L.headerText), emoji: true } }];
  // Said first: a probed URL that is not the action's saved one makes every other line about the wrong endpoint.
  const wrong = wrongUrl(report);
  if (wrong) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`:warning: *You may be debugging the wrong URL:* this is not the action's saved endpoint.\n${wrong.map((e) => `• ${esc(e)}`).join('\n')}`, L.sectionText) } });
  const rid = requestIdOf(report);
  const ridLine = rid ? `\n• Request id ${code(`${rid.header}: ${rid.value}`).text}: the endpoint's owner can find this call in their logs` : '';
  if (isProblem(v)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Most likely cause:* ${esc(v.title)}  \`${v.cause}\`\n${evidenceText(topEvidence(report))}${ridLine}`, L.sectionText) } });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Fix:* ${esc(v.fix)}`, L.sectionText) } });
    const others = alsoFoundOnCard(report, problemFindings(report.findings).filter((f) => f.id !== v.cause));
    if (others.length) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Also found:* ${others.map((f) => `${esc(f.title)} (\`${f.id}\`)`).join('; ')}`, L.sectionText) } });
    }
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`${esc(v.fix)}\n*Next:* ${esc(v.next ?? '')}${ridLine}`, L.sectionText) } });
  }
  const failedToRun = report.probes.filter((p) => p.status === 'error');
  if (failedToRun.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(failedToRun.map((p) => `:warning: Could not check: ${esc(p.title)}: ${esc(p.summary)}`).join('\n'), L.sectionText) } });
  }
  // The checklist folds to counts; each check, with its evidence, is in the thread (Show details without one).
  const failed = report.probes.filter((p) => p.status === 'failed').map((p) => `${STATUS_ICON.failed} ${esc(p.title)}`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(`${checkCounts(report)}${failed.length ? ` (${failed.join(', ')})` : ''} · each one in the thread`, L.sectionText) }] });
  blocks.push(contextLine(c, [`${(report.durationMs / 1000).toFixed(1)} s`]));
  if (opts.escalatedAs) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(opts.escalatedAs, L.sectionText) } });
    blocks.push({ type: 'actions', elements: [button('Re-run', ACTIONS.rerun, c.cardId), button('Show details', ACTIONS.details, c.cardId)] });
  } else {
    blocks.push({
      type: 'actions',
      elements: [button('Re-run', ACTIONS.rerun, c.cardId, 'primary'), button('Show details', ACTIONS.details, c.cardId), button('Escalate to support', ACTIONS.escalate, c.cardId, 'danger')],
    });
  }
  const fallback = isProblem(v) ? `action-debug: family ${v.family}, ${esc(v.title)}. Fix: ${esc(v.fix)}` : `action-debug: ${NO_PROBLEM_TITLE.toLowerCase()} (${esc(safeHost(c.endpoint))})`;
  return { text: cut(fallback, L.fallbackText, '…'), blocks };
}

/** The card when Slack would not let us update it in time: the verdict went to its thread; the card says so. */
export function verdictInThreadCard(c: CardContext, report: Report): SlackMessage {
  const v = report.verdict;
  const line = v.family === null ? 'No problem found with the endpoint.' : `Family ${v.family}: ${v.title}.`;
  return {
    text: cut(`action-debug: ${esc(line)} The verdict is in this card's thread.`, L.fallbackText, '…'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(`*${esc(line)}* The full verdict is in this card's thread: Slack rate-limited updates to this card.`, L.sectionText) } },
      contextLine(c, [`${(report.durationMs / 1000).toFixed(1)} s`]),
      { type: 'actions', elements: [button('Re-run', ACTIONS.rerun, c.cardId, 'primary'), button('Escalate to support', ACTIONS.escalate, c.cardId, 'danger')] },
    ],
  };
}

/** The thread's details: each probe's evidence (requests sent, status, timings; secrets were redacted at the source). */
export function detailsMessage(report: Report): SlackMessage {
  const checklist = report.probes.map((p) => `${STATUS_ICON[p.status]} ${esc(p.title)}`).join('\n');
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: '*Details of every check* (header values are shown only as their shape)' } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(checklist, L.sectionText) } },
  ];
  // Every check and every finding, however many: past Slack's 50 blocks or its whole-message budget the send boundary
  // (slack/send-boundary.ts) posts the rest as continuations in the same thread, so nothing here is dropped.
  for (const p of report.probes) {
    // Slack parses <!channel>, <@U…> and links inside code blocks too: the evidence (headers, URLs) is escaped there as well.
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(codeBlock(renderProbeDetails(p).join('\n')).text, L.sectionText, '…') } });
  }
  for (const f of report.findings) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*${f.severity}* \`${f.id}\` ${esc(f.title)}\n${evidenceText(f.evidence, 8)}\n_Fix:_ ${esc(f.fix)}`, L.sectionText) } });
  }
  return { text: cut(esc(`Details of ${report.probes.length} checks for ${report.input.endpoint ?? report.input.action ?? 'the action'}`), L.fallbackText, '…'), blocks };
}

export interface FollowUp {
  id: string;
  label: string;
}

/** The verdict's follow-up checks (declared on the causes found), as the buttons present them. */
export function followUpsFor(report: Report): FollowUp[] {
  return report.verdict.followUps.map((f) => ({ id: f.probe, label: f.label }));
}

/** A follow-up button's action_id: the check's id makes it unique in its message; the listener matches the prefix. */
export function followUpActionId(probeId: string): string {
  return `${ACTIONS.followUp}:${probeId}`;
}

export function followUpMessage(cardId: string, followUps: FollowUp[], rerunLaterMinutes = 5): SlackMessage {
  const elements: Button[] = [
    button('Re-run now', ACTIONS.rerun, cardId, 'primary'),
    button(`Re-run in ${rerunLaterMinutes} minute${rerunLaterMinutes === 1 ? '' : 's'}`, ACTIONS.rerunLater, cardId),
    // Slack refuses a message whose action_ids repeat (invalid_blocks "action_id already exists"): one per check.
    ...followUps.filter((f, i) => followUps.findIndex((g) => g.id === f.id) === i).map((f) => button(f.label, followUpActionId(f.id), `${cardId}|${f.id}`)),
  ].slice(0, L.actionsElements);
  return {
    text: 'Follow-up checks',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '*Follow-up checks.* Mention me here with `rerun` or `spec &lt;url&gt;` to run again in this thread.' } },
      { type: 'actions', elements },
    ],
  };
}

/** A re-run or follow-up answered in the thread: the new verdict and what changed since the last one. */
export function threadResultMessage(title: string, report: Report, changes: string[]): SlackMessage {
  const v = report.verdict;
  const head = isProblem(v) ? `:red_circle: Family ${v.family}: ${esc(v.title)} \`${v.cause}\`` : `:white_check_mark: ${NO_PROBLEM_TITLE}`;
  const body = [`*${esc(title)}*: ${head}`, isProblem(v) ? `*Fix:* ${esc(v.fix)}` : null, changes.length ? `*Since last time:*\n${changes.map((c) => `• ${esc(c)}`).join('\n')}` : '*Since last time:* nothing changed']
    .filter(Boolean)
    .join('\n');
  return { text: cut(esc(`${title}: ${isProblem(v) ? v.title : NO_PROBLEM_TITLE}`), L.fallbackText, '…'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(body, L.sectionText) } }] };
}

// Escaped like any text: Slack would take `<session-id>` for a link and show it broken.
export const USAGE_TEXT = ownText([
  '*Usage:* `/action-debug <session-id> <action-name> <endpoint> [method=POST] [spec=<url>] [header="Name: value"] [timeout=<seconds>]`',
  'Quote an action name with spaces: `/action-debug ses_123 "Look up order" https://api.example.com/orders/{id}`',
  '`/action-debug` alone opens a form (with a field for the Authorization value, never shown back). `/action-debug help` shows this.',
  '`/action-debug audit` checks every action at once; `/action-debug watch "Look up order" [every=15m]` (or `watch all`) posts here when a verdict changes; `watch list`, `watch stop "Look up order"`.',
].join('\n')).text;

export function helpMessage(): SlackMessage {
  return { text: 'action-debug usage', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: USAGE_TEXT } }] };
}

/** A problem in one line (a plain string is escaped; Mrkdwn is our own markup, built with `md`). */
export function errorMessage(problem: string | Mrkdwn, withUsage = true): SlackMessage {
  const text = `:warning: ${mrkdwn(problem)}${withUsage ? `\n${USAGE_TEXT}` : ''}`;
  return { text: cut(`action-debug: ${mrkdwn(problem)}`, L.fallbackText, '…'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(text, L.sectionText) } }] };
}
