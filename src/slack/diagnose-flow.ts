import { randomUUID } from 'node:crypto';
import type { LimitFunction } from 'p-limit';
import type { webApi } from '@slack/bolt';
import { diagnosisTarget, type DiagnosisInput } from '../pipeline/input.js';
import type { ProbeResult, Report } from '../pipeline/report.js';
import type { ProbeServices } from '../pipeline/probe.js';
import type { NetOptions } from '../net/options.js';
import type { Logger } from '../log.js';
import { runDiagnosis } from '../pipeline/run.js';
import { defaultChecks, defaultProbes, fromRecheckOf, probeRefs, recheck } from '../registry.js';
import { scopedVerdict } from '../pipeline/verdict.js';
import type { Limits } from '../limits/stored-limits.js';
import type { LimitDecision } from '../limits/diagnosis-limits.js';
import { detailsMessage, errorMessage, followUpMessage, followUpsFor, runningCard, threadResultMessage, verdictCard, verdictInThreadCard, type SlackMessage } from '../render/blocks.js';
import { reportChanges } from '../render/report-diff.js';
import { channelRef, cut, linkRef, md, ownText, type Mrkdwn } from '../render/slack-limits.js';
import { cardContext, type Card, type CardStore } from './card-store.js';
import { asStoreError } from '../store/store-error.js';
import { CardUpdater } from './card-updater.js';
import { isArchivedCode, isMembershipError, slackErrorCode, withSlackRetry, type RetryPolicy } from './retry.js';
import type { SlackSettings } from './settings.js';
import type { WorkTracker } from '../work/tracker.js';
import { crashPoint } from '../core/crash-point.js';
import { toReplay } from './replay-input.js';

type WebClient = webApi.WebClient;

/** Called with every finished report (storage plugs in here). */
export interface ReportSink {
  onReport(card: Card, report: Report, kind: 'first' | 'rerun' | 'follow-up'): void | Promise<void>;
}

export interface FlowDeps {
  settings: SlackSettings;
  net: NetOptions;
  services: ProbeServices;
  cards: CardStore;
  limits: Limits;
  log: Logger;
  sinks: ReportSink[];
  /** Diagnoses in flight, so stop() can wait for them. */
  inFlight: Set<Promise<unknown>>;
  /** Bounds how many diagnoses probe at once, so the process stays responsive (acks within ms) under a burst. */
  slots: LimitFunction;
  /** The durable record of acknowledged work (with a database): each piece is kept until its visible outcome. */
  work?: WorkTracker | undefined;
  /** Awaited by a diagnosis that got its slot, before it probes: while commands are arriving, their acks go first. */
  beforeProbing?: (() => Promise<void>) | undefined;
}

/** What a work row of a card's diagnosis stores: enough to run it again, never a header value. */
export function workPayload(input: DiagnosisInput, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { input: toReplay(input), ...extra };
}

export type Respond = (msg: SlackMessage & { response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean }) => Promise<unknown>;

/** Counts `p` as running work until it settles, so a graceful stop waits for it before handing anything back. */
export function track<T>(deps: FlowDeps, p: Promise<T>): Promise<T> {
  deps.inFlight.add(p);
  void p.finally(() => deps.inFlight.delete(p)).catch(() => {});
  return p;
}

async function notifySinks(deps: FlowDeps, card: Card, report: Report, kind: 'first' | 'rerun' | 'follow-up') {
  for (const s of deps.sinks) {
    try {
      await s.onReport(card, report, kind);
    } catch (err) {
      deps.log.error({ card: card.id, err: (err as Error).message }, 'report sink failed');
    }
  }
}

/** How Slack calls are retried: bounded attempts, and 429s honoured within SLACK_RATE_LIMIT_WINDOW_MS. */
export function retryPolicy(deps: Pick<FlowDeps, 'settings'>): RetryPolicy {
  return { attempts: deps.settings.SLACK_RETRY_ATTEMPTS, rateLimitWindowMs: deps.settings.SLACK_RATE_LIMIT_WINDOW_MS };
}

/** What the requester is told when the channel cannot take the verdict, by Slack's reason. */
function whyNotHere(code: string | undefined, channel: string): Mrkdwn {
  if (isArchivedCode(code)) return md`${channelRef(channel)} was archived, so the verdict comes here.`;
  return md`I am not a member of ${channelRef(channel)} (or was removed from it), so the verdict comes here. \`/invite @action-debug\` there for live cards with a thread.`;
}

/**
 * Runs the diagnosis with a live card. The report is handed to the sinks (stored) BEFORE anything is shown: whatever
 * Slack answers afterwards, history and Escalate have it. Resolves with where the verdict went, or `lost` with Slack's
 * reason when the card's channel no longer takes our messages (the caller finds the requester another way).
 */
async function diagnoseWithProgress(deps: FlowDeps, client: WebClient, card: Card, input: DiagnosisInput, flow: 'diagnose' | 'rerun', workId?: string): Promise<{ report: Report; place: 'card' | 'thread' | 'none' | 'lost'; code?: string }> {
  const done = new Map<string, ProbeResult>();
  const probes = probeRefs();
  const updater = card.ts ? new CardUpdater(client, card.channel, card.ts, deps.settings.CARD_UPDATE_INTERVAL_MS, retryPolicy(deps)) : null;
  const report = await deps.slots(async () => {
    await deps.beforeProbing?.();
    return runDiagnosis(input, {
      probes: defaultProbes,
      checks: defaultChecks,
      net: deps.net,
      services: deps.services,
      logger: deps.log,
      id: randomUUID(),
      onEvent: (e) => {
        if (e.type === 'probe-finished') crashPoint(`${flow}:during-probes`);
        if (e.type === 'probe-finished' && updater) {
          done.set(e.probe.id, e.probe);
          updater.progress(runningCard(cardContext(card), probes, done));
        }
      },
    });
  });
  card.reports.push(report);
  // Stored before the card shows it: a card whose verdict is visible always has its diagnosis in the database.
  await notifySinks(deps, card, report, flow === 'diagnose' ? 'first' : 'rerun');
  let result: { report: Report; place: 'card' | 'thread' | 'none' | 'lost'; code?: string } = { report, place: 'none' };
  if (updater) {
    try {
      const where = await updater.final(verdictCard(cardContext(card), report, card.escalatedAs ? { escalatedAs: card.escalatedAs } : {}), verdictInThreadCard(cardContext(card), report));
      if (where.on === 'thread') deps.log.warn({ card: card.id }, 'card stayed rate-limited; verdict posted in its thread');
      result = { report, place: where.on };
    } catch (err) {
      if (!isMembershipError(err)) throw err;
      deps.log.warn({ card: card.id, code: slackErrorCode(err) }, 'card channel no longer takes our messages');
      result = { report, place: 'lost', code: slackErrorCode(err) };
    }
  }
  await deps.work?.step(workId, { step: 'verdict' });
  crashPoint(`${flow}:after-verdict`);
  return result;
}

/**
 * A message for the requester when the card's channel cannot take it: through the request's response_url (it
 * bypasses channel membership) while it is still valid, else in their DM with the app (chat:write may always post
 * there). Never throws: a requester we cannot reach at all is logged.
 */
async function toRequester(deps: FlowDeps, client: WebClient, card: Card, msg: SlackMessage, respond?: Respond): Promise<void> {
  if (respond) {
    try {
      await respond({ ...msg, response_type: 'ephemeral', replace_original: false });
      return;
    } catch (err) {
      deps.log.warn({ card: card.id, err: (err as Error).message }, 'response_url refused; trying a DM');
    }
  }
  try {
    await withSlackRetry(() => client.chat.postMessage({ channel: card.user, text: msg.text, blocks: msg.blocks }), retryPolicy(deps));
  } catch (err) {
    deps.log.error({ card: card.id, code: slackErrorCode(err) ?? (err as Error).message }, 'requester unreachable');
  }
}

/** A note in front of a message (same blocks, the note first). */
function withNote(note: Mrkdwn, msg: SlackMessage): SlackMessage {
  const first = errorMessage(note, false);
  return { text: cut(`${first.text}\n${msg.text}`, 3900, '…'), blocks: [...first.blocks, ...msg.blocks].slice(0, 50) };
}

/** `/action-debug …` or the form: post the card, run the diagnosis, update the card, then fill the thread. */
export async function startCardDiagnosis(
  deps: FlowDeps,
  client: WebClient,
  args: { input: DiagnosisInput; channel: string; team: string; user: string; respond?: Respond | undefined; workId?: string | undefined; cardId?: string | null; cardTs?: string | null },
): Promise<void> {
  const { input, channel, team, user, respond, workId } = args;
  const card: Card = { id: args.cardId ?? randomUUID(), channel, ts: args.cardTs ?? null, team, user, input, reports: [], running: true };
  let gate: LimitDecision;
  try {
    gate = await deps.limits.tryStart({ user, workspace: team }, diagnosisTarget(input), workId);
  } catch (err) {
    return failedToStart(deps, client, card, workId, err, respond);
  }
  if (!gate.ok) {
    await deps.work?.done(workId, 'refused');
    let where = md``;
    if (gate.reason === 'running') {
      // This process's card, else the one the database says holds the diagnosis (it may run on another instance).
      const running = deps.cards.running(user, diagnosisTarget(input));
      const at = running?.ts ? { channel: running.channel, ts: running.ts } : gate.at;
      if (at) where = await permalink(client, at.channel, at.ts);
    }
    await toRequester(deps, client, card, errorMessage(md`${gate.message} ${where}`, false), respond);
    return;
  }
  deps.cards.put(card);
  const work = (async () => {
    try {
      const probes = probeRefs();
      const first = runningCard(cardContext(card), probes, new Map());
      try {
        if (card.ts) {
          // Taken up again after a restart: the card exists, it shows the diagnosis running again.
          await withSlackRetry(() => client.chat.update({ channel, ts: card.ts!, text: first.text, blocks: first.blocks }), retryPolicy(deps));
        } else {
          crashPoint('diagnose:before-post');
          const posted = await withSlackRetry(() => client.chat.postMessage({ channel, text: first.text, blocks: first.blocks }), retryPolicy(deps));
          // Between Slack's answer and this write is the one window where a crash means the card is posted twice.
          crashPoint('diagnose:before-record-post');
          card.ts = String(posted.ts);
          await deps.work?.step(workId, { step: 'posted', cardId: card.id, cardTs: card.ts });
          crashPoint('diagnose:after-post');
        }
      } catch (err) {
        if (!isMembershipError(err)) throw err;
        const code = slackErrorCode(err);
        if (respond && !isArchivedCode(code)) {
          // A slash command: its response_url posts in the channel without membership; the card's buttons answer
          // through their own response_url (see rerunCard), so they work too.
          await respond({ ...errorMessage(md`I am not a member of this conversation, so the card comes as a reply without live updates or a thread. \`/invite @action-debug\` for those.`, false), response_type: 'ephemeral' });
        } else {
          // The form (no response_url) or an archived channel: the card lives in the requester's DM with the app.
          const note = errorMessage(whyNotHere(code, channel), false);
          const dm = await withSlackRetry(() => client.chat.postMessage({ channel: user, text: note.text, blocks: note.blocks }), retryPolicy(deps));
          card.channel = String(dm.channel ?? user);
          const posted = await withSlackRetry(() => client.chat.postMessage({ channel: card.channel, text: first.text, blocks: first.blocks }), retryPolicy(deps));
          card.ts = String(posted.ts);
          deps.cards.put(card);
        }
      }
      const { report, place, code } = await diagnoseWithProgress(deps, client, card, input, 'diagnose', workId);
      if (place === 'none') {
        try {
          await respond!({ ...verdictCard(cardContext(card), report), response_type: 'in_channel' });
        } catch {
          await toRequester(deps, client, card, verdictCard(cardContext(card), report));
        }
      } else if (place === 'lost') {
        await toRequester(deps, client, card, withNote(whyNotHere(code, card.channel), verdictCard(cardContext(card), report)), respond);
      } else {
        await postCardThread(deps, client, card, report);
      }
      await deps.work?.step(workId, { step: 'thread' });
      crashPoint('diagnose:before-done');
      await deps.work?.done(workId, 'verdict');
    } catch (err) {
      const code = slackErrorCode(err);
      deps.log.error({ card: card.id, err: code ?? (err as Error).message }, 'diagnosis flow failed');
      // Said as it is: a Slack refusal (the diagnosis was stored before it was shown), or something else, where the
      // diagnosis may not be stored at all (its database did not take it).
      const saved = card.reports.length ? md` The diagnosis is saved: Escalate and \`/action-debug history\` have it.` : md``;
      const said = code
        ? md`Slack did not accept the answer (${/^[a-z0-9_]+$/.test(code) ? ownText(code) : code}).${saved}`
        : asStoreError(err)
          ? md`The diagnosis did not finish: its database did not take the result, so history may not have it. Run it again in a moment.`
          : md`The diagnosis did not finish (an internal error, logged).${saved}`;
      await toRequester(deps, client, card, errorMessage(said, false), respond);
      await deps.work?.done(workId, 'failed').catch(() => {});
    } finally {
      card.running = false;
      gate.release();
    }
  })();
  await track(deps, work);
}

/** The thread under a card's verdict: every check's evidence, then the follow-up buttons. */
export async function postCardThread(deps: FlowDeps, client: WebClient, card: Card, report: Report): Promise<void> {
  await postThread(deps, client, card, detailsMessage(report));
  await postThread(deps, client, card, followUpMessage(card.id, followUpsFor(report), deps.settings.RERUN_LATER_MINUTES));
}

async function permalink(client: WebClient, channel: string, ts: string): Promise<Mrkdwn> {
  try {
    const r = await client.chat.getPermalink({ channel, message_ts: ts });
    return r.permalink ? linkRef(r.permalink, 'See the running card.') : md``;
  } catch {
    return md``;
  }
}

/**
 * A message in the card's thread. A card without a thread (posted through response_url) answers through the click's
 * response_url, or the requester's DM; so does a thread the bot can no longer post in.
 */
export async function postThread(deps: FlowDeps, client: WebClient, card: Card, msg: SlackMessage, respond?: Respond): Promise<void> {
  if (!card.ts) return toRequester(deps, client, card, msg, respond);
  try {
    await withSlackRetry(() => client.chat.postMessage({ channel: card.channel, thread_ts: card.threadTs ?? card.ts!, text: msg.text, blocks: msg.blocks }), retryPolicy(deps));
  } catch (err) {
    if (!isMembershipError(err)) throw err;
    await toRequester(deps, client, card, withNote(whyNotHere(slackErrorCode(err), card.channel), msg), respond);
  }
}

/**
 * The database failed between the ack and the diagnosis (the hold, the hourly counts, the card's run): nothing ran. The
 * work row ends `failed` (left running, this process would renew its lease until it stopped, and the command would
 * neither run nor be said to have failed) and the requester is told. The error's text is not shown: it is ours, not theirs.
 */
async function failedToStart(deps: FlowDeps, client: WebClient, card: Card, workId: string | undefined, err: unknown, respond?: Respond): Promise<void> {
  deps.log.error({ card: card.id, err: (err as Error).message }, 'diagnosis could not start');
  await deps.work?.done(workId, 'failed').catch(() => {});
  await toRequester(deps, client, card, errorMessage('The diagnosis could not start: its database did not answer. Nothing was probed; try again in a moment.', false), respond).catch(() => {});
}

/** A card revived after a restart lost its header values (never stored): probing without them would mislead. */
async function refuseWithoutHeaders(deps: FlowDeps, client: WebClient, card: Card, why: string, respond?: Respond): Promise<boolean> {
  if (!card.missingHeaders?.length) return false;
  const names = card.missingHeaders.join(', ');
  await postThread(deps, client, card, errorMessage(md`${why}: this card is from before a restart, and its ${names} value${card.missingHeaders.length > 1 ? 's are' : ' is'} never stored. Run \`/action-debug\` again with ${card.missingHeaders.length > 1 ? 'them' : 'it'} (the form keeps it out of the channel).`, false), respond);
  return true;
}

/** What a request to re-run a card that is running already is told. */
export const stillRunning = (why: string) => `${why}: this card's diagnosis is still running; ask again when its verdict is in.`;

/**
 * Re-run (button, mention, timer): the card shows the new verdict; the thread says what changed. `by` is who asked (the
 * clicker, or who scheduled it): the re-run counts against their quota, not the card owner's. `respond` is the click's
 * response_url, which answers for a card that has no thread (posted through response_url).
 */
export async function rerunCard(deps: FlowDeps, client: WebClient, card: Card, why: string, change: Partial<DiagnosisInput> | undefined, by: string, respond?: Respond, workId?: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, why, respond)) return void (await deps.work?.done(workId, 'refused'));
  let id = workId;
  // The database's answers first (only a failure of these is "could not start"), then what the requester is told.
  let gate: LimitDecision | 'running' = 'running';
  try {
    // This process runs the card already; or, for recorded work (a click, a mention, a due re-run, one taken up after a
    // crash), the database says another run holds it: checked in the card's one-run transaction, across instances.
    const held = card.running || (workId && deps.work ? !(await deps.work.store.confirmCardRun(workId, card.id)) : false);
    // Finished before it is said: a mention right after this click must not find this refused row still running.
    if (held) await deps.work?.done(workId, 'refused');
    else {
      // Not recorded yet (a re-run asked for outside a request): recorded now, in the card's one-run transaction.
      const rec = !id && deps.work ? await deps.work.beginCardRun({ kind: 'rerun', cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: by, payload: workPayload({ ...card.input, ...change }, { why }) }) : null;
      if (rec && !rec.conflict) id = rec.row.id;
      if (!rec?.conflict) gate = await deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input), id);
    }
  } catch (err) {
    return failedToStart(deps, client, card, id, err, respond);
  }
  if (gate === 'running') return void (await postThread(deps, client, card, errorMessage(stillRunning(why), false), respond));
  if (!gate.ok) {
    await deps.work?.done(id, 'refused');
    return void (await postThread(deps, client, card, errorMessage(gate.message, false), respond));
  }
  card.running = true;
  const work = (async () => {
    try {
      if (change) card.input = { ...card.input, ...change };
      const prev = card.reports.at(-1);
      const { report, place, code } = await diagnoseWithProgress(deps, client, card, card.input, 'rerun', id);
      const result = threadResultMessage(why, report, prev ? reportChanges(prev, report) : []);
      if (place === 'none' && respond) {
        // A card posted through response_url: the clicked message itself shows the new verdict.
        await respond({ ...verdictCard(cardContext(card), report), replace_original: true }).catch(() => toRequester(deps, client, card, result));
      } else if (place === 'lost') await toRequester(deps, client, card, withNote(whyNotHere(code, card.channel), result), respond);
      else await postThread(deps, client, card, result, respond);
      await deps.work?.done(id, 'verdict');
    } catch (err) {
      deps.log.error({ card: card.id, err: slackErrorCode(err) ?? (err as Error).message }, 're-run failed');
      await deps.work?.done(id, 'failed').catch(() => {});
    } finally {
      card.running = false;
      gate.release();
    }
  })();
  await track(deps, work);
}

/** One follow-up check (a single probe) answered in the thread; it counts against `by`'s quota like any diagnosis. */
export async function followUpCheck(deps: FlowDeps, client: WebClient, card: Card, probeId: string, label: string, by: string, respond?: Respond, workId?: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, label, respond)) return void (await deps.work?.done(workId, 'refused'));
  if (!defaultProbes.some((p) => p.id === probeId)) {
    await postThread(deps, client, card, errorMessage(`"${label}" is not available here.`, false), respond);
    return void (await deps.work?.done(workId, 'refused'));
  }
  let gate: LimitDecision;
  try {
    gate = await deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input), workId);
  } catch (err) {
    // As for a re-run: the row ends failed (not left running under a renewed lease) and the requester is told.
    return failedToStart(deps, client, card, workId, err, respond);
  }
  if (!gate.ok) {
    await postThread(deps, client, card, errorMessage(`${label}: ${gate.message}`, false));
    return void (await deps.work?.done(workId, 'refused'));
  }
  const work = (async () => {
    try {
      const report = (await deps.slots(() => recheck(card.input, probeId, { net: deps.net, services: deps.services, logger: deps.log })!))!;
      crashPoint('follow-up:after-probe');
      const prev = card.reports.at(-1);
      // Compare like with like: the earlier report as if only this probe (with the baseline and checks) had run.
      const keep = fromRecheckOf(probeId);
      const scoped = prev ? { ...prev, findings: prev.findings.filter(keep), probes: prev.probes.filter((p) => p.id === probeId), verdict: scopedVerdict(prev, keep) } : undefined;
      // Stored before it is shown: whatever Slack answers, history and the ticket have it.
      await notifySinks(deps, card, report, 'follow-up');
      await postThread(deps, client, card, threadResultMessage(label, report, scoped ? reportChanges(scoped, report) : []), respond);
      await deps.work?.done(workId, 'answered');
    } catch (err) {
      await deps.work?.done(workId, 'failed').catch(() => {});
      throw err;
    } finally {
      gate.release();
    }
  })();
  await track(deps, work);
}

