import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { errorLine } from '../core/error-line.js';
import { parseDiagnosisInput } from '../pipeline/input.js';
import { diagnose } from '../registry.js';
import { runAudit } from '../audit/run-audit.js';
import type { HostLimiter } from '../net/host-limiter.js';
import type { AuditSettings } from '../audit/settings.js';
import type { AuditSummary } from '../audit/schema.js';
import { summarize } from '../audit/summary.js';
import type { OpenCxServices } from '../opencx/facts.js';
import type { Store, WorkRow } from '../store/store.js';
import type { StoreError } from '../store/db.js';
import { asStoreError } from '../store/store-error.js';
import { auditCard, auditThreadMessages } from '../render/audit-blocks.js';
import { detailsMessage, errorMessage, followUpMessage, followUpsFor, verdictCard } from '../render/blocks.js';
import { md, type Mrkdwn } from '../render/slack-limits.js';
import { cardContext, type Card } from './card-store.js';
import { CardUpdater } from './card-updater.js';
import { postThread, retryPolicy, type FlowDeps, type Respond } from './diagnose-flow.js';
import { fromReplay, toReplay } from './replay-input.js';
import { withSlackRetry } from './retry.js';
import { sameWorkspace } from './gate.js';
import { crashPoint } from '../core/crash-point.js';

type WebClient = webApi.WebClient;

export interface AuditFlowDeps {
  flow: FlowDeps;
  store?: Store | undefined;
  settings: AuditSettings;
  /** This process's audits in progress, per workspace (the fast path; the work rows hold the workspace across instances). */
  running: Set<string>;
  /** One per process, shared by every audit and watch: a host sees at most AUDIT_PER_HOST requests from us at once. */
  limiter: HostLimiter;
}

/** What a running audit's work row holds: one audit per workspace at a time, across instances. */
export const auditHold = (team: string) => `audit:${team}`;

/** The card id an audit's work row names (its summary card), from which a restart takes the audit up again. */
export const auditWorkCard = (auditId: string) => `audit:${auditId}`;
export const auditIdOf = (cardId: string | null) => (cardId?.startsWith('audit:') ? cardId.slice('audit:'.length) : undefined);

/** The card id under which an audited action's diagnosis is stored, so its full card can be opened (and revived) later. */
export const auditCardId = (auditId: string, actionId: string) => `audit:${auditId}:${actionId}`;

/**
 * Records an audit as work before its ack (the command, or "Audit again"): undefined without a database, 'stopping'
 * during a graceful stop, a StoreError the user is told about, or the row (`created` false: a retried delivery).
 */
export async function beginAudit(flow: FlowDeps, a: { dedupeKey: string | null; team: string; channel: string; user: string }): Promise<{ row: WorkRow; created: boolean } | 'stopping' | StoreError | undefined> {
  if (!flow.work) return undefined;
  if (flow.work.stopping) return 'stopping';
  try {
    return await flow.work.begin({ kind: 'audit', dedupeKey: a.dedupeKey, workspace: a.team, channel: a.channel, requester: a.user, payload: {} });
  } catch (err) {
    const failed = asStoreError(err);
    if (failed) return failed;
    throw err;
  }
}

/**
 * `/action-debug audit`: one summary card, updated as actions are checked; at the end the broken lines beyond the card's
 * 40 and the actions needing credentials go to its thread. Every diagnosis is stored (kind "audit"), so `history` and
 * "broken since" work for audited actions. The whole audit counts against the workspace's hourly budget.
 */
export async function startSlackAudit(
  d: AuditFlowDeps,
  client: WebClient,
  args: {
    channel: string; team: string; user: string; respond: Respond;
    /** The audit's work row (recorded before the ack): it is finished here, whatever the outcome. */
    workId?: string | undefined;
    /** Taken up again after a restart: the summary card already posted, and the audit it showed. */
    cardTs?: string | null | undefined; auditId?: string | undefined;
  },
): Promise<void> {
  const { channel, team, user, respond, workId } = args;
  const tracker = d.flow.work;
  const tell = (line: string | Mrkdwn) => respond({ ...errorMessage(line, false), response_type: 'ephemeral' }).catch(() => {});
  const end = (outcome: string) => tracker?.done(workId, outcome).catch(() => {});
  const facts = (d.flow.services as OpenCxServices).opencx;
  if (!facts) return void (await end('refused'), await tell('The audit lists your actions through the OpenCX API: set OPENCX_API_KEY for the app.'));
  const busy = 'An audit of this workspace is already running: its card updates as it goes.';
  // This process's audits answer at once; the audit's work row then holds the workspace in the database (one holder,
  // serialised there), so an audit running on another instance, under a live lease, refuses this one too.
  if (d.running.has(team)) return void (await end('refused'), await tell(busy));
  let held = true;
  try {
    held = !workId || !tracker || (await tracker.store.holdWork(workId, auditHold(team))).ok;
  } catch {
    // The database did not answer: nothing ran; the row ends failed (not left running until the process stops).
    return void (await end('failed'), await tell('The audit could not start: its database did not answer. Nothing was checked; try again in a moment.'));
  }
  if (!held) return void (await end('refused'), await tell(busy));
  d.running.add(team);
  let outcome = 'failed';
  const work = (async () => {
    try {
      let actions;
      try {
        actions = await facts.actionList();
      } catch (err) {
        return void (await tell(`OpenCX did not give the action list: ${errorLine(err)}`));
      }
      const count = actions.actions.length;
      // Booked on the audit's work row: its diagnoses count toward the workspace's hourly budget on every instance.
      const budget = await d.flow.limits.tryReserve(team, count, `An audit of ${count} actions`, workId);
      if (!budget.ok) return void ((outcome = 'refused'), await tell(budget.message));
      const auditId = args.auditId ?? randomUUID();
      const startedAt = new Date().toISOString();
      const empty: AuditSummary = summarize([], { total: count, startedAt, durationMs: 0, complete: false, timedOut: false });
      const first = auditCard(auditId, empty, user);
      let ts: string;
      try {
        if (args.cardTs) {
          // Taken up after a restart: the same card starts over (its buttons are this audit's again).
          ts = args.cardTs;
          await withSlackRetry(() => client.chat.update({ channel, ts, text: first.text, blocks: first.blocks }), d.flow.settings.SLACK_RETRY_ATTEMPTS);
        } else {
          ts = String((await withSlackRetry(() => client.chat.postMessage({ channel, text: first.text, blocks: first.blocks }), d.flow.settings.SLACK_RETRY_ATTEMPTS)).ts);
          await tracker?.step(workId, { step: 'posted', cardId: auditWorkCard(auditId), cardTs: ts });
          crashPoint('audit:after-post');
        }
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        return void (await tell(code === 'not_in_channel' || code === 'channel_not_found' ? md`I am not in this channel: \`/invite @action-debug\`, then run the audit again.` : `The audit card could not be posted: ${errorLine(err)}`));
      }
      const saves: Promise<unknown>[] = [];
      const updater = new CardUpdater(client, channel, ts, d.flow.settings.CARD_UPDATE_INTERVAL_MS, retryPolicy(d.flow));
      const result = await runAudit({
        id: auditId,
        facts,
        actions,
        diagnose,
        net: d.flow.net,
        perHost: d.settings.AUDIT_PER_HOST,
        limiter: d.limiter,
        concurrency: d.settings.AUDIT_CONCURRENCY,
        maxDurationMs: d.settings.AUDIT_MAX_SECONDS * 1000,
        logger: d.flow.log,
        onEvent: (e) => {
          if (e.type !== 'action-finished') return;
          crashPoint('audit:during-probes');
          updater.progress(auditCard(auditId, e.summary, user));
          if (e.report) {
            // thread_ts stays empty: the audit's thread is shared by many actions and must never be taken for one card's.
            const saved = actions.actions.find((a) => a.id === e.action.id);
            const input = parseDiagnosisInput({ endpoint: saved?.api_endpoint ?? e.action.endpoint, method: e.action.method as 'GET', action: e.action.name, timeoutMs: e.report.input.timeoutMs });
            // Saved as results come in (the store may be asynchronous); the audit waits for every save before it ends.
            const row = { id: e.report.id, cardId: auditCardId(auditId, e.action.id), createdAt: e.report.startedAt, requester: user, workspace: team, channel, threadTs: null, kind: 'audit' as const, report: e.report, input: toReplay(input) };
            saves.push(Promise.resolve(d.store?.saveDiagnosis(row)).catch((err: unknown) => d.flow.log.error({ err: errorLine(err) }, 'audit result not stored')));
          }
        },
      });
      await Promise.all(saves);
      const summary = auditCard(auditId, result.summary, user);
      // If the card stays rate-limited, the summary goes in its thread and the card points there (as a diagnosis card does).
      await updater.final(summary, { text: 'The audit summary is in this thread (Slack kept refusing updates to this card).', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'The audit summary is in this thread: Slack kept refusing updates to this card.' } }] });
      for (const m of auditThreadMessages(auditId, result.actions, result.summary)) {
        await withSlackRetry(() => client.chat.postMessage({ channel, thread_ts: ts, text: m.text, blocks: m.blocks }), d.flow.settings.SLACK_RETRY_ATTEMPTS);
      }
      await tracker?.step(workId, { step: 'thread' });
      outcome = 'verdict';
      d.flow.log.info({ audit: auditId, team, total: result.summary.total, broken: result.summary.broken, ms: result.summary.durationMs }, 'slack audit finished');
    } catch (err) {
      d.flow.log.error({ team, err: errorLine(err) }, 'audit flow failed');
      await tell(`The audit could not finish: ${errorLine(err)}`);
    } finally {
      d.running.delete(team);
      await end(outcome);
    }
  })();
  d.flow.inFlight.add(work);
  void work.finally(() => d.flow.inFlight.delete(work));
  await work;
}

/**
 * "Open card" on a broken line: the action's full card (Re-run, Show details, Escalate) in the audit's thread, built from
 * the stored diagnosis, so it works after a restart too. Opened once; a second click links to it.
 */
export async function openAuditedCard(d: AuditFlowDeps, client: WebClient, args: { value: string; channel: string; summaryTs: string; team: string; user: string }): Promise<string | null> {
  const [auditId, actionId] = args.value.split('|');
  if (!auditId || !actionId) return 'This button is not one of mine.';
  const id = auditCardId(auditId, actionId);
  const elsewhere = 'This audit result belongs to another channel or workspace: open it where the audit was posted.';
  // The button's value is only a key: where the result belongs is checked first, before anything about it (even a
  // link to its already-open card) is said.
  const known = await d.flow.cards.get(id);
  if (known && (known.channel !== args.channel || !sameWorkspace(known.team, args.team))) return elsewhere;
  const rows = (await d.store?.cardDiagnoses(id)) ?? [];
  const row = rows.at(-1);
  if (row && (row.channel !== args.channel || (row.workspace !== null && !sameWorkspace(row.workspace, args.team)))) return elsewhere;
  if (known?.ts && known.threadTs) {
    const link = await client.chat.getPermalink({ channel: known.channel, message_ts: known.ts }).then((r) => r.permalink ?? null, () => null);
    return link ? `This action's card is already open: <${link}|see it in the thread>.` : "This action's card is already open in the thread.";
  }
  const replay = row ? fromReplay(row.input) : null;
  if (!row || !replay) return 'This audit result is not stored (no database is configured, or it was deleted by retention): run `/action-debug audit` again.';
  const card: Card = { id, channel: args.channel, ts: null, threadTs: args.summaryTs, team: args.team, user: args.user, input: replay.input, reports: rows.map((r) => r.report), running: false };
  const report = card.reports.at(-1)!;
  const msg = verdictCard(cardContext(card), report);
  const posted = await withSlackRetry(() => client.chat.postMessage({ channel: args.channel, thread_ts: args.summaryTs, text: msg.text, blocks: msg.blocks }), d.flow.settings.SLACK_RETRY_ATTEMPTS);
  card.ts = String(posted.ts);
  d.flow.cards.put(card);
  await postThread(d.flow, client, card, detailsMessage(report));
  await postThread(d.flow, client, card, followUpMessage(card.id, followUpsFor(report), d.flow.settings.RERUN_LATER_MINUTES));
  return null;
}
