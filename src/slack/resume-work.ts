import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { WorkRow } from '../store/store.js';
import { errorMessage, threadResultMessage, type CardContext } from '../render/blocks.js';
import { reportChanges } from '../render/report-diff.js';
import { interruptedCard } from '../render/interrupted-card.js';
import { md, userRef } from '../render/slack-limits.js';
import { followUpCheck, postCardThread, rerunCard, startCardDiagnosis, type FlowDeps, type Respond } from './diagnose-flow.js';
import { fromReplay } from './replay-input.js';
import type { Card } from './card-store.js';
import { auditIdOf, startSlackAudit, type AuditFlowDeps } from './audit-flow.js';
import { interruptedAuditCard } from '../render/audit-blocks.js';
import type { OpenCxServices } from '../opencx/facts.js';
import { handleMention, StoredMentionSchema } from './mention-flow.js';
import type { UploadedSpecs } from '../openapi/uploaded-specs.js';
import type { Requester } from './gate.js';

type WebClient = webApi.WebClient;

/** What the person who scheduled a re-run is told when it falls due and the gate refuses it. */
export const refusedLater = (why: string) => `Your scheduled re-run was not run: ${why}`;

/** A piece of work taken up this many times without finishing is not run again (it may be what crashes the app). */
export const MAX_WORK_ATTEMPTS = 3;

interface Payload { input?: unknown; why?: string; probeId?: string; label?: string; action?: string | null }

/**
 * Takes up work a stopped or crashed process left unfinished (or that fell due): it finishes what only needed its last
 * step, runs again what can be run again, and otherwise closes the card as "interrupted by a restart" with a Re-run
 * button and tells the requester. Each ends in one visible outcome.
 */
export async function resumeWork(
  deps: FlowDeps,
  clientFor: (team: string | undefined) => Promise<WebClient>,
  row: WorkRow,
  /** Why whoever asked may no longer use the bot there (allow-lists changed meanwhile), or null: the gate's stillAllowed. */
  stillAllowed: (r: Requester) => string | null = () => null,
  mentions?: { uploads: UploadedSpecs; allowed(r: Requester, card: Card | undefined): string | null },
  /** What an audit needs to run again (absent: an audit left unfinished is closed as interrupted). */
  audits?: AuditFlowDeps,
): Promise<void> {
  const work = deps.work!;
  const p = (row.payload ?? {}) as Payload;
  if (row.kind === 'watch-run') {
    // The run itself is the watch's: its claim in the watches table lapses and the next tick runs it again, once. This
    // row only carried its diagnoses in the budget.
    return work.done(row.id, 'interrupted');
  }
  if (row.kind === 'audit') return resumeAudit(deps, await clientFor(row.workspace ?? undefined), row, stillAllowed, audits);
  const card = row.cardId ? await deps.cards.get(row.cardId) : undefined;
  const client = await clientFor(card?.team ?? row.workspace ?? undefined);
  if (row.kind === 'mention') {
    // A mention recorded before its ack and never answered: answered now, as if it had just arrived (the gate asked again).
    const m = StoredMentionSchema.safeParse(row.payload);
    if (!m.success || !mentions || !m.data.user) return work.done(row.id, 'not-handled');
    // The same gate a live mention passes (it may not have run before the crash): the card's workspace and channel too.
    const thread = m.data.threadTs ? await deps.cards.byMessage(m.data.channel, m.data.threadTs) : undefined;
    const refusal = mentions.allowed({ user: m.data.user, channel: m.data.channel, team: row.workspace ?? '' }, thread);
    if (refusal) return void (deps.log.warn({ work: row.id, why: refusal }, 'mention refused by the gate'), await work.done(row.id, 'refused'));
    if (row.attempts > MAX_WORK_ATTEMPTS) {
      await client.chat.postMessage({ channel: m.data.channel, ...(m.data.threadTs ? { thread_ts: m.data.threadTs } : {}), text: `${m.data.user ? `${userRef(m.data.user).text}: ` : ''}your mention was interrupted by restarts of action-debug: mention me again.` });
      return work.done(row.id, 'interrupted');
    }
    return handleMention(deps, mentions.uploads, client, m.data, String(client.token ?? ''), row.id);
  }
  if (row.kind === 'rerun-later') {
    if (!card) return void (deps.log.warn({ card: row.cardId }, 'scheduled re-run: the card is gone (retention)'), await work.done(row.id, 'card-gone'));
    const refusal = stillAllowed({ user: row.requester, channel: card.channel, team: card.team });
    if (refusal) {
      deps.log.warn({ card: card.id, user: row.requester, why: refusal }, 'scheduled re-run refused by the gate');
      // Said once, to the one who scheduled it (the row ends here, so it is never said again).
      await client.chat.postEphemeral({ channel: card.channel, user: row.requester, text: refusedLater(refusal) }).catch(() => {});
      return work.done(row.id, 'refused');
    }
    return rerunCard(deps, client, card, p.label ?? 'Re-run', undefined, row.requester, undefined, row.id);
  }
  if (row.step === 'thread') return work.done(row.id, 'verdict');
  if (row.step === 'verdict') {
    // The card shows the verdict already; only the thread under it may be missing.
    const [prev, last] = [card?.reports.at(-2), card?.reports.at(-1)];
    if (row.kind === 'diagnose' && card?.ts && last) await postCardThread(deps, client, card, last);
    if (row.kind === 'rerun' && card?.ts && last) {
      await client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, ...threadResultMessage(p.why ?? 'Re-run', last, prev ? reportChanges(prev, last) : []) });
    }
    return work.done(row.id, 'verdict');
  }
  const replay = fromReplay(p.input);
  // Run again only for someone still allowed there: the card is closed as interrupted, saying why, instead.
  const channel = card?.channel ?? row.channel;
  const refusal = channel ? stillAllowed({ user: row.requester, channel, team: card?.team ?? row.workspace ?? '' }) : null;
  if (refusal) {
    deps.log.warn({ work: row.id, user: row.requester, why: refusal }, 'resumed work refused by the gate');
    return interrupt(deps, client, row, card, replay?.input, `It was not run again: ${refusal}`);
  }
  if (replay && !replay.missingHeaders.length && row.attempts <= MAX_WORK_ATTEMPTS && row.channel) {
    if (row.kind === 'diagnose') {
      const channel = row.channel;
      const respond: Respond = async (m) => client.chat.postEphemeral({ channel, user: row.requester, text: m.text, blocks: m.blocks });
      return startCardDiagnosis(deps, client, { input: replay.input, channel, team: row.workspace ?? '', user: row.requester, respond, workId: row.id, cardId: row.cardId, cardTs: row.cardTs });
    }
    if (card && row.kind === 'rerun') return rerunCard(deps, client, card, p.why ?? 'Re-run', replay.input, row.requester, undefined, row.id);
    if (card && row.kind === 'follow-up') return followUpCheck(deps, client, card, p.probeId ?? '', p.label ?? 'Follow-up', row.requester, undefined, row.id);
  }
  const why = replay?.missingHeaders.length
    ? `Its ${replay.missingHeaders.join(', ')} value${replay.missingHeaders.length > 1 ? 's are' : ' is'} never stored: press Re-run and give ${replay.missingHeaders.length > 1 ? 'them' : 'it'} again, or run \`/action-debug\` again.`
    : replay ? 'Press Re-run to run it again.' : 'Run `/action-debug` again.';
  await interrupt(deps, client, row, card, replay?.input, why);
}

/**
 * An audit left unfinished: one whose summary and thread were all posted is done; otherwise it runs again on the same card
 * (a new card if none was posted), or, interrupted too often, without the OpenCX key, or its requester no longer
 * allowed there, its card says "interrupted by a restart" with an "Audit again" button. Never left at "Auditing…".
 */
async function resumeAudit(deps: FlowDeps, client: WebClient, row: WorkRow, stillAllowed: (r: Requester) => string | null, audits?: AuditFlowDeps): Promise<void> {
  const work = deps.work!;
  if (row.step === 'thread') return work.done(row.id, 'verdict');
  if (!row.channel) return work.done(row.id, 'interrupted');
  const channel = row.channel;
  const refusal = stillAllowed({ user: row.requester, channel, team: row.workspace ?? '' });
  const canRun = audits && (audits.flow.services as OpenCxServices).opencx && row.attempts <= MAX_WORK_ATTEMPTS && !refusal;
  if (canRun) {
    const respond: Respond = async (m) => client.chat.postEphemeral({ channel, user: row.requester, text: m.text, blocks: m.blocks });
    return startSlackAudit(audits, client, { channel, team: row.workspace ?? '', user: row.requester, respond, workId: row.id, cardTs: row.cardTs, auditId: auditIdOf(row.cardId) });
  }
  const msg = interruptedAuditCard(row.requester, 'Press Audit again to run it once more.');
  if (row.cardTs) await client.chat.update({ channel, ts: row.cardTs, text: msg.text, blocks: msg.blocks });
  else await client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks });
  await work.done(row.id, 'interrupted');
}

async function interrupt(deps: FlowDeps, client: WebClient, row: WorkRow, card: Card | undefined, input: { endpoint?: string | null | undefined; method: string; action?: string | null | undefined; session?: string | null | undefined } | undefined, why: string): Promise<void> {
  const work = deps.work!;
  if (!row.channel) return work.done(row.id, 'interrupted');
  if (row.kind === 'follow-up' && card?.ts) {
    // The card keeps its verdict; the thread says the check did not finish.
    await client.chat.postMessage({ channel: row.channel, thread_ts: card.ts, ...errorMessage(md`${userRef(row.requester)}: "${(row.payload as Payload).label ?? 'Follow-up'}" was interrupted by a restart of action-debug. Press its button again.`, false) });
    return work.done(row.id, 'interrupted');
  }
  const ctx: CardContext = {
    cardId: row.cardId ?? randomUUID(), action: input?.action ?? (row.payload as Payload).action ?? null, session: input?.session ?? null,
    endpoint: input ? (input.endpoint ?? null) : '(its saved endpoint)', method: input?.method ?? '', requestedBy: row.requester,
  };
  const msg = interruptedCard(ctx, why);
  const ts = row.cardTs ?? card?.ts;
  if (ts) await client.chat.update({ channel: row.channel, ts, text: msg.text, blocks: msg.blocks });
  else {
    const posted = await client.chat.postMessage({ channel: row.channel, text: msg.text, blocks: msg.blocks });
    await work.step(row.id, { cardId: ctx.cardId, cardTs: String(posted.ts) });
  }
  // The requester is told, not only the channel.
  await client.chat.postEphemeral({ channel: row.channel, user: row.requester, text: `Your diagnosis was interrupted by a restart of action-debug. ${why}` }).catch(() => {});
  await work.done(row.id, 'interrupted');
}
