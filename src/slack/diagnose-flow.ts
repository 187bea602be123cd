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
import { DiagnosisLimits } from '../limits/diagnosis-limits.js';
import { detailsMessage, errorMessage, followUpMessage, followUpsFor, runningCard, threadResultMessage, verdictCard, type SlackMessage } from '../render/blocks.js';
import { reportChanges } from '../render/report-diff.js';
import { cardContext, type Card, type CardStore } from './card-store.js';
import { CardUpdater } from './card-updater.js';
import { withSlackRetry } from './retry.js';
import type { SlackSettings } from './settings.js';

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
  limits: DiagnosisLimits;
  log: Logger;
  sinks: ReportSink[];
  /** Diagnoses in flight, so stop() can wait for them. */
  inFlight: Set<Promise<unknown>>;
  /** Bounds how many diagnoses probe at once, so the process stays responsive (acks within ms) under a burst. */
  slots: LimitFunction;
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

async function diagnoseWithProgress(deps: FlowDeps, client: WebClient, card: Card, input: DiagnosisInput): Promise<Report> {
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
      if (e.type === 'probe-finished' && updater) {
        done.set(e.probe.id, e.probe);
        updater.progress(runningCard(cardContext(card), probes, done));
      }
    },
  }));
  card.reports.push(report);
  if (updater) {
    const where = await updater.final(verdictCard(cardContext(card), report, card.escalatedAs ? { escalatedAs: card.escalatedAs } : {}), card.ts ?? undefined);
    if (where.replaced) deps.log.warn({ card: card.id }, 'card could not be updated; verdict posted anew');
  }
  return report;
}

/** `/action-debug …`: post the card, run the diagnosis, update the card, then fill the thread. */
export async function startCardDiagnosis(
  deps: FlowDeps,
  client: WebClient,
  args: { input: DiagnosisInput; channel: string; team: string; user: string; respond: Respond },
): Promise<void> {
  const { input, channel, team, user, respond } = args;
  const gate = deps.limits.tryStart({ user, workspace: team }, diagnosisTarget(input));
  if (!gate.ok) {
    let where = '';
    if (gate.reason === 'running') {
      const running = deps.cards.running(user, diagnosisTarget(input));
      if (running?.ts) where = ` ${await permalink(client, running.channel, running.ts)}`;
    }
    await respond({ ...errorMessage(`${gate.message}${where}`, false), response_type: 'ephemeral' });
    return;
  }
  const card: Card = { id: randomUUID(), channel, ts: null, team, user, input, reports: [], running: true };
  deps.cards.put(card);
  const work = (async () => {
    try {
      const probes = probeRefs();
      const first = runningCard(cardContext(card), probes, new Map());
      try {
        const posted = await withSlackRetry(() => client.chat.postMessage({ channel, text: first.text, blocks: first.blocks }), deps.settings.SLACK_RETRY_ATTEMPTS);
        card.ts = String(posted.ts);
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        if (code !== 'not_in_channel' && code !== 'channel_not_found') throw err;
        await respond({ ...errorMessage('I am not in this channel, so the card comes as a reply only you and this channel see once; `/invite @action-debug` for live cards and threads.', false), response_type: 'ephemeral' });
      }
      const report = await diagnoseWithProgress(deps, client, card, input);
      if (!card.ts) {
        await respond({ ...verdictCard(cardContext(card), report), response_type: 'in_channel' });
      } else {
        await postThread(deps, client, card, detailsMessage(report));
        await postThread(deps, client, card, followUpMessage(card.id, followUpsFor(report), deps.settings.RERUN_LATER_MINUTES));
      }
      await notifySinks(deps, card, report, 'first');
    } catch (err) {
      deps.log.error({ card: card.id, err: (err as Error).message }, 'diagnosis flow failed');
      await respond({ ...errorMessage(`The diagnosis could not be shown: ${(err as Error).message}`, false), response_type: 'ephemeral' }).catch(() => {});
    } finally {
      card.running = false;
      gate.release();
    }
  })();
  await track(deps, work);
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
export async function rerunCard(deps: FlowDeps, client: WebClient, card: Card, why: string, change: Partial<DiagnosisInput> | undefined, by: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, why)) return;
  if (card.running) {
    await postThread(deps, client, card, errorMessage(`${why}: this card's diagnosis is still running; ask again when its verdict is in.`, false));
    return;
  }
  const gate = deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input));
  if (!gate.ok) {
    await postThread(deps, client, card, errorMessage(gate.message, false));
    return;
  }
  card.running = true;
  const work = (async () => {
    try {
      if (change) card.input = { ...card.input, ...change };
      const prev = card.reports.at(-1);
      const report = await diagnoseWithProgress(deps, client, card, card.input);
      await postThread(deps, client, card, threadResultMessage(why, report, prev ? reportChanges(prev, report) : []));
      await notifySinks(deps, card, report, 'rerun');
    } finally {
      card.running = false;
      gate.release();
    }
  })();
  await track(deps, work);
}

/** One follow-up check (a single probe) answered in the thread; it counts against `by`'s quota like any diagnosis. */
export async function followUpCheck(deps: FlowDeps, client: WebClient, card: Card, probeId: string, label: string, by: string): Promise<void> {
  if (await refuseWithoutHeaders(deps, client, card, label)) return;
  if (!defaultProbes.some((p) => p.id === probeId)) {
    await postThread(deps, client, card, errorMessage(`"${label}" is not available here.`, false));
    return;
  }
  const gate = deps.limits.tryStart({ user: by, workspace: card.team }, diagnosisTarget(card.input));
  if (!gate.ok) {
    await postThread(deps, client, card, errorMessage(`${label}: ${gate.message}`, false));
    return;
  }
  const work = (async () => {
    try {
      const report = (await deps.slots(() => recheck(card.input, probeId, { net: deps.net, services: deps.services, logger: deps.log })!))!;
      const prev = card.reports.at(-1);
      // Compare like with like: the earlier report as if only this probe (with the baseline and checks) had run.
      const keep = fromRecheckOf(probeId);
      const scoped = prev ? { ...prev, findings: prev.findings.filter(keep), probes: prev.probes.filter((p) => p.id === probeId), verdict: scopedVerdict(prev, keep) } : undefined;
      await postThread(deps, client, card, threadResultMessage(label, report, scoped ? reportChanges(scoped, report) : []));
      await notifySinks(deps, card, report, 'follow-up');
    } finally {
      gate.release();
    }
  })();
  await track(deps, work);
}

