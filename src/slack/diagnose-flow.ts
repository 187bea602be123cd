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
import { detailsMessage, errorMessage, followUpMessage, followUpsFor, runningCard, threadResultMessage, verdictCard, type SlackMessage } from '../render/blocks.js';
import { reportChanges } from '../render/report-diff.js';
import { cardContext, type Card, type CardStore } from './card-store.js';
import { CardUpdater } from './card-updater.js';
import { withSlackRetry } from './retry.js';
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
}

/** What a work row of a card's diagnosis stores: enough to run it again, never a header value. */
export function workPayload(input: DiagnosisInput, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { input: toReplay(input), ...extra };
}

export type Respond = (msg: SlackMessage & { response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean }) => Promise<unknown>;

function track<T>(deps: FlowDeps, p: Promise<T>): Promise<T> {
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

async function diagnoseWithProgress(deps: FlowDeps, client: WebClient, card: Card, input: DiagnosisInput, flow: 'diagnose' | 'rerun', workId?: string): Promise<Report> {
  const done = new Map<string, ProbeResult>();
  const probes = probeRefs();
  const updater = card.ts ? new CardUpdater(client, card.channel, card.ts, deps.settings.CARD_UPDATE_INTERVAL_MS, deps.settings.SLACK_RETRY_ATTEMPTS) : null;
  const report = await deps.slots(() => runDiagnosis(input, {
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
  }));
  card.reports.push(report);
  // Stored before the card shows it: a card whose verdict is visible always has its diagnosis in the database.
  await notifySinks(deps, card, report, flow === 'diagnose' ? 'first' : 'rerun');
  if (updater) {
    const where = await updater.final(verdictCard(cardContext(card), report, card.escalatedAs ? { escalatedAs: card.escalatedAs } : {}), card.ts ?? undefined);
    if (where.replaced) deps.log.warn({ card: card.id }, 'card could not be updated; verdict posted anew');
  }
  await deps.work?.step(workId, { step: 'verdict' });
  crashPoint(`${flow}:after-verdict`);
  return report;
}

/** `/action-debug …`: post the card, run the diagnosis, update the card, then fill the thread. */
export async function startCardDiagnosis(
  deps: FlowDeps,
  client: WebClient,
  args: { input: DiagnosisInput; channel: string; team: string; user: string; respond: Respond; workId?: string | undefined; cardId?: string | null; cardTs?: string | null },
): Promise<void> {
  const { input, channel, team, user, respond, workId } = args;
  const gate = await deps.limits.tryStart({ user, workspace: team }, diagnosisTarget(input), workId);
  if (!gate.ok) {
    await deps.work?.done(workId, 'refused');
    let where = '';
    if (gate.reason === 'running') {
      const running = deps.cards.running(user, diagnosisTarget(input));
      if (running?.ts) where = ` ${await permalink(client, running.channel, running.ts)}`;
    }
    await respond({ ...errorMessage(`${gate.message}${where}`, false), response_type: 'ephemeral' });
    return;
  }
  const card: Card = { id: args.cardId ?? randomUUID(), channel, ts: args.cardTs ?? null, team, user, input, reports: [], running: true };
  deps.cards.put(card);
  const work = (async () => {
    try {
      const probes = probeRefs();
      const first = runningCard(cardContext(card), probes, new Map());
      try {
        if (card.ts) {
          // Taken up again after a restart: the card exists, it shows the diagnosis running again.
          await withSlackRetry(() => client.chat.update({ channel, ts: card.ts!, text: first.text, blocks: first.blocks }), deps.settings.SLACK_RETRY_ATTEMPTS);
        } else {
          crashPoint('diagnose:before-post');
          const posted = await withSlackRetry(() => client.chat.postMessage({ channel, text: first.text, blocks: first.blocks }), deps.settings.SLACK_RETRY_ATTEMPTS);
          // Between Slack's answer and this write is the one window where a crash means the card is posted twice.
          crashPoint('diagnose:before-record-post');
          card.ts = String(posted.ts);
          await deps.work?.step(workId, { step: 'posted', cardId: card.id, cardTs: card.ts });
          crashPoint('diagnose:after-post');
        }
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        if (code !== 'not_in_channel' && code !== 'channel_not_found') throw err;
        await respond({ ...errorMessage('I am not in this channel, so the card comes as a reply only you and this channel see once; `/invite @action-debug` for live cards and threads.', false), response_type: 'ephemeral' });
      }
      const report = await diagnoseWithProgress(deps, client, card, input, 'diagnose', workId);
      if (!card.ts) {
        await respond({ ...verdictCard(cardContext(card), report), response_type: 'in_channel' });
      } else {
        await postCardThread(deps, client, card, report);
      }
      await deps.work?.step(workId, { step: 'thread' });
      crashPoint('diagnose:before-done');
      await deps.work?.done(workId, 'verdict');
    } catch (err) {
      deps.log.error({ card: card.id, err: (err as Error).message }, 'diagnosis flow failed');
      await respond({ ...errorMessage(`The diagnosis could not be shown: ${(err as Error).message}`, false), response_type: 'ephemeral' }).catch(() => {});
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

async function permalink(client: WebClient, channel: string, ts: string): Promise<string> {
  try {
    const r = await client.chat.getPermalink({ channel, message_ts: ts });
    return r.permalink ? `<${r.permalink}|See the running card.>` : '';
  } catch {
    return '';
  }
}

export async function postThread(deps: FlowDeps, client: WebClient, card: Card, msg: SlackMessage): Promise<void> {
  if (!card.ts) return;
  await withSlackRetry(() => client.chat.postMessage({ channel: card.channel, thread_ts: card.threadTs ?? card.ts!, text: msg.text, blocks: msg.blocks }), deps.settings.SLACK_RETRY_ATTEMPTS);
}

/** A card revived after a restart lost its header values (never stored): probing without them would mislead. */
async function refuseWithoutHeaders(deps: FlowDeps, client: WebClient, card: Card, why: string): Promise<boolean> {
  if (!card.missingHeaders?.length) return false;
  const names = card.missingHeaders.join(', ');
  await postThread(deps, client, card, errorMessage(`${why}: this card is from before a restart, and its ${names} value${card.missingHeaders.length > 1 ? 's are' : ' is'} never stored. Run \`/action-debug\` again with ${card.missingHeaders.length > 1 ? 'them' : 'it'} (the form keeps it out of the channel).`, false));
  return true;
}

/**
 * Re-run (button, mention, timer): the card shows the new verdict; the thread says what changed. `by` is who asked (the
 * clicker, or who scheduled it): the re-run counts against their quota, not the card owner's.
 */
export async function rerunCard(deps: FlowDeps, client: WebClient, card: Card, why: string, change: Partial<DiagnosisInput> | undefined, by: string, workId?: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, why)) return void (await deps.work?.done(workId, 'refused'));
  // A double click, or the other instance: the database knows what runs, not only this process's memory.
  const active = card.running ? card : await deps.work?.store.activeWorkForCard(card.id);
  if (active && (!('id' in active) || active.id !== workId)) {
    await postThread(deps, client, card, errorMessage(`${why}: this card's diagnosis is still running; ask again when its verdict is in.`, false));
    return void (await deps.work?.done(workId, 'refused'));
  }
  const gate = await deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input), workId);
  if (!gate.ok) {
    await postThread(deps, client, card, errorMessage(gate.message, false));
    return void (await deps.work?.done(workId, 'refused'));
  }
  card.running = true;
  const work = (async () => {
    let id = workId;
    try {
      if (change) card.input = { ...card.input, ...change };
      if (!id && deps.work) id = (await deps.work.begin({ kind: 'rerun', cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: by, payload: workPayload(card.input, { why }) })).row.id;
      const prev = card.reports.at(-1);
      const report = await diagnoseWithProgress(deps, client, card, card.input, 'rerun', id);
      await postThread(deps, client, card, threadResultMessage(why, report, prev ? reportChanges(prev, report) : []));
      await deps.work?.done(id, 'verdict');
    } catch (err) {
      await deps.work?.done(id, 'failed').catch(() => {});
      throw err;
    } finally {
      card.running = false;
      gate.release();
    }
  })();
  await track(deps, work);
}

/** One follow-up check (a single probe) answered in the thread; it counts against `by`'s quota like any diagnosis. */
export async function followUpCheck(deps: FlowDeps, client: WebClient, card: Card, probeId: string, label: string, by: string, workId?: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, label)) return void (await deps.work?.done(workId, 'refused'));
  if (!defaultProbes.some((p) => p.id === probeId)) {
    await postThread(deps, client, card, errorMessage(`"${label}" is not available here.`, false));
    return void (await deps.work?.done(workId, 'refused'));
  }
  const gate = await deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input), workId);
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
      await notifySinks(deps, card, report, 'follow-up');
      await postThread(deps, client, card, threadResultMessage(label, report, scoped ? reportChanges(scoped, report) : []));
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

