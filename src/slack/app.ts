import type { RequestListener, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import pLimit from 'p-limit';
import type { InstallationStore } from '@slack/bolt';
import { BOT_SCOPES } from './scopes.js';
import { slackClientOptions, teamClients } from './team-clients.js';
import { RerunSchedule } from './rerun-schedule.js';
import type { ProbeServices } from '../pipeline/probe.js';
import type { NetOptions } from '../net/options.js';
import { createLogger, type Logger } from '../log.js';
import { DiagnosisLimits, LimitsSettingsSchema, type LimitsSettings } from '../limits/diagnosis-limits.js';
import { StoredDiagnosisLimits } from '../limits/stored-limits.js';
import { MemoryCardStore, type Card, type CardStore } from './card-store.js';
import { StoredCardStore } from './stored-card-store.js';
import { type FlowDeps, type ReportSink } from './diagnose-flow.js';
import type { Support } from './support.js';
import type { Store } from '../store/store.js';
import { multiWorkspaceProblem, type SlackSettings } from './settings.js';
import { registerListeners } from './listeners/index.js';
import { QuietStart } from './quiet-start.js';
import { UploadedSpecs } from '../openapi/uploaded-specs.js';
import { AuditSettingsSchema, type AuditSettings } from '../audit/settings.js';
import { WatchSettingsSchema, type WatchSettings } from '../watch/settings.js';
import { HostLimiter } from '../net/host-limiter.js';
import type { AuditFlowDeps } from './audit-flow.js';
import { WatchService } from './watch-service.js';
import { WorkTracker, type WorkSettings } from '../work/tracker.js';
import { resumeWork, runDueRerun } from './resume-work.js';
import { Gate, installationOrg, teamAllowed, type Requester } from './gate.js';
import { workspaceKey } from './workspace.js';
import { answerStoreFailures } from './answer-store-failures.js';
import { gateMiddleware } from './gate-middleware.js';
import { guardSlackRequests } from './request-guard.js';
import { loadSpecReader } from '../probes/spec-import.js';
import { prepareTrust } from '../net/trust.js';
import { recordMentionsBeforeAck } from './durable-events.js';
import { trackAcks } from './ack-state.js';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;
/** Where Slack delivers commands, clicks, submissions and events (the request URL of the Slack app's manifest). */
const EVENTS_PATH = '/slack/events';

export interface SlackAppDeps {
  net: NetOptions;
  services?: ProbeServices;
  limits?: LimitsSettings;
  cards?: CardStore;
  logger?: Logger;
  sinks?: ReportSink[];
  /** Tickets, history and the outbox (issue 5); without it Escalate says it is not configured. */
  support?: Support;
  store?: Store;
  /** Where OAuth installs keep their tokens (SqliteInstallationStore); needed when SLACK_CLIENT_ID is set. */
  installationStore?: InstallationStore;
  /** Delivers what watches commit to the outbox (main.ts's worker); without it watch posts wait for the next worker. */
  outbox?: { kick(): Promise<void> | void };
  audit?: AuditSettings;
  watch?: WatchSettings;
  /** Tests: how long a claimed watch run blocks another process (default: longer than any run). */
  watchLeaseMs?: number;
  /** Leases and polling of the durable work (with a store), and how long a graceful stop waits for running work. */
  work?: Partial<WorkSettings> & { graceMs?: number };
}

export interface SlackApp {
  app: InstanceType<typeof App>;
  start(port?: number): Promise<{ port: number }>;
  /** Graceful stop: stops listening, waits up to the grace period for running work, hands back the rest. */
  stop(): Promise<{ handedBack: number }>;
  deps: FlowDeps;
  watches?: WatchService | undefined;
}

/**
 * The Bolt app. It parses, checks who may use it, and hands work to the diagnosis flow; it decides nothing about endpoints.
 * Commands are acknowledged before anything slow happens (Slack's 3 s deadline).
 */
export function createSlackApp(settings: SlackSettings, d: SlackAppDeps): SlackApp {
  const log = d.logger ?? createLogger({ name: 'action-debug-slack' });
  // main.ts says this before anything starts; here too, so no other way of building the app runs with it.
  const shared = multiWorkspaceProblem(settings, Boolean((d.services as { opencx?: unknown } | undefined)?.opencx));
  if (shared) throw new Error(shared);
  const uploads = new UploadedSpecs(d.store);
  const deps: FlowDeps = {
    settings,
    net: d.net,
    services: { ...d.services, uploadedSpecs: uploads, localSpecFiles: false },
    cards: d.cards ?? (d.store ? new StoredCardStore(d.store) : new MemoryCardStore()),
    // With a database the hourly counts are the work rows every instance records; without one, this process counts.
    limits: d.store ? new StoredDiagnosisLimits(d.limits ?? LimitsSettingsSchema.parse({}), d.store) : new DiagnosisLimits(d.limits ?? LimitsSettingsSchema.parse({})),
    log,
    sinks: [...(d.sinks ?? []), ...(d.support ? [d.support.sink] : [])],
    inFlight: new Set(),
    slots: pLimit(settings.MAX_CONCURRENT_DIAGNOSES),
  };
  const quietStart = new QuietStart(settings.ACK_QUIET_MS, settings.ACK_MAX_DEFER_MS);
  deps.beforeProbing = () => quietStart.whenQuiet();
  const seenTriggers = new Map<string, number>();

  const clientOptions = slackClientOptions(settings, log);
  const logLevel = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR }[settings.SLACK_LOG_LEVEL];
  // One workspace: the bot token. Several: Bolt's OAuth flow at /slack/install, tokens fetched per request from the store.
  const auth = settings.SLACK_BOT_TOKEN
    ? { token: settings.SLACK_BOT_TOKEN, ...(settings.SLACK_BOT_ID && settings.SLACK_BOT_USER_ID ? { botId: settings.SLACK_BOT_ID, botUserId: settings.SLACK_BOT_USER_ID } : {}) }
    : {};
  if (settings.SLACK_CLIENT_ID && !d.installationStore) throw new Error('OAuth installs (SLACK_CLIENT_ID) need an installation store: set INSTALLATION_ENCRYPTION_KEY');
  const oauth = settings.SLACK_CLIENT_ID
    ? {
        clientId: settings.SLACK_CLIENT_ID,
        clientSecret: settings.SLACK_CLIENT_SECRET!,
        stateSecret: settings.SLACK_STATE_SECRET!,
        scopes: [...BOT_SCOPES],
        installationStore: d.installationStore!,
        installerOptions: {
          clientOptions, authorizationUrl: settings.SLACK_OAUTH_AUTHORIZE_URL, directInstall: true, installPath: '/slack/install', redirectUriPath: '/slack/oauth_redirect',
          // A workspace not in ALLOWED_TEAM_IDS is told so and its token is never stored: the gate would refuse it
          // everywhere anyway, and a stored token of a workspace the operator did not list is one too many.
          callbackOptions: {
            afterInstallation: async (i: { team?: { id?: string } | undefined; enterprise?: { id?: string } | undefined; isEnterpriseInstall?: boolean | undefined; bot?: { token?: string } | undefined }, _o: unknown, _req: unknown, res: ServerResponse) => {
              // The enterprise too: a workspace-level install in a listed Enterprise Grid org keys T… only.
              if (teamAllowed(settings.ALLOWED_TEAM_IDS, workspaceKey(i.team?.id, i.enterprise?.id, i.isEnterpriseInstall), i.enterprise?.id)) return true;
              log.warn({ team: i.team?.id, enterprise: i.enterprise?.id }, 'install refused: workspace not in ALLOWED_TEAM_IDS');
              // The token Slack just issued is revoked (auth.revoke), not only dropped: the app stays installed in no
              // workspace it may not serve. A failure is logged; the token is never stored either way.
              if (i.bot?.token) {
                await new bolt.webApi.WebClient(i.bot.token, clientOptions).auth.revoke()
                  .catch((err: Error) => log.warn({ err: err.message }, 'install refused: revoking its token failed'));
              }
              res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
              res.end('action-debug is not enabled for this workspace (ALLOWED_TEAM_IDS). Ask its operator to add it, then install again.');
              return false;
            },
          },
        },
      }
    : {};
  const receiver = settings.SLACK_APP_TOKEN
    ? new SocketModeReceiver({
        appToken: settings.SLACK_APP_TOKEN,
        logLevel,
        ...oauth,
        // The App hands its clientOptions only to receivers it builds itself: this one needs them passed, or
        // apps.connections.open would go to slack.com instead of SLACK_API_URL.
        installerOptions: { ...('installerOptions' in oauth ? oauth.installerOptions : {}), clientOptions },
      })
    : new HTTPReceiver({
        signingSecret: settings.SLACK_SIGNING_SECRET!,
        endpoints: EVENTS_PATH,
        // guardSlackRequests (below) checks the signature of every POST to EVENTS_PATH over the exact bytes, and more than
        // Bolt does (future timestamps, the body's shape), before Bolt sees it; Bolt checking the same HMAC again was a
        // second HMAC and form parse per ack, during a burst ~5% of the app's CPU before the last ack.
        signatureVerification: false,
        processBeforeResponse: false,
        customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); } }],
        logLevel,
        // When the request reached the server (stamped below), so each command's log line can say how long its ack took.
        customPropertiesExtractor: (req) => ({ receivedAt: (req as unknown as { receivedAt?: number }).receivedAt ?? performance.now() }),
        ...oauth,
      });
  // Bolt accepts future timestamps and crashes on some signed bodies (payload=null): every delivery is checked first.
  if (!settings.SLACK_APP_TOKEN) guardSlackRequests(receiver as unknown as { requestListener: RequestListener }, settings.SLACK_SIGNING_SECRET!, log, EVENTS_PATH);
  // Bolt acks events before any listener runs: mentions are recorded between the receiver and Bolt (work is set below).
  recordMentionsBeforeAck(receiver, () => deps.work, log);
  // Whether each delivery was acknowledged, in its context (answer-store-failures.ts reads it).
  trackAcks(receiver);
  // convoStore false: no listener keeps conversation state, and Bolt's default store looked every delivery up (a miss is
  // a rejected promise with a stack trace) before any listener ran.
  const app = new App({ ...auth, receiver, clientOptions, logLevel, convoStore: false });

  // Every delivery passes the one gate (allow-lists, the card's workspace and channel, button values read server-side,
  // who resolves tickets) before any listener runs; limits are counted by the flow against whoever asked.
  const gate = new Gate(settings);
  // Outermost, so a database failure in the gate or in a listener is answered too (answer-store-failures.ts).
  app.use(answerStoreFailures(log));
  app.use(gateMiddleware({ gate, cards: deps.cards, store: d.store, log }));
  const allowed = (r: Requester): string | null => {
    const v = gate.who(r);
    return v.ok ? null : v.message;
  };

  /** Slack retries a delivery it thinks failed; the same trigger_id twice is the same command. */
  const firstDelivery = (triggerId: string | undefined): boolean => {
    // With a database the trigger is de-duplicated there (across instances and restarts): see the work table.
    if (!triggerId || d.store) return true;
    const now = Date.now();
    for (const [k, t] of seenTriggers) if (now - t > 600_000) seenTriggers.delete(k);
    if (seenTriggers.has(triggerId)) return false;
    seenTriggers.set(triggerId, now);
    return true;
  };

  const cardFrom = (value: string) => deps.cards.get(value.split('|')[0]!);
  // A scheduled re-run runs outside any Slack request (maybe after a restart): it takes its workspace's client.
  const clientFor = teamClients(settings, d.installationStore, log);
  // With a database every acknowledged piece of work is a row until its outcome; this process claims what it runs.
  // Work taken up later (a re-run that fell due, work a restart left, every watch run) asks the gate again for whoever
  // asked for it, through this one function.
  // Deferred work knows the workspace key only; a workspace-level install in an Enterprise Grid org keys T…, so its org
  // (which ALLOWED_TEAM_IDS may list instead of the team) is read from its installation.
  const orgOf = installationOrg(settings.ALLOWED_TEAM_IDS, d.installationStore);
  const stillAllowed = async (r: Requester, card?: Card): Promise<string | null> => {
    const v = gate.stillAllowed({ ...r, enterprise: r.enterprise ?? (await orgOf(r.team)) }, card);
    return v.ok ? null : v.message;
  };
  const tracker = d.store
    ? new WorkTracker(d.store, { leaseMs: d.work?.leaseMs ?? 30_000, pollMs: d.work?.pollMs ?? 1000 }, log, (row) =>
        resumeWork(deps, clientFor, row, stillAllowed, { uploads }, audits))
    : undefined;
  deps.work = tracker;
  const reruns = new RerunSchedule(d.store, async (cardId, label, by) => {
    const card = await deps.cards.get(cardId);
    if (!card) return void log.warn({ card: cardId }, 'scheduled re-run: the card is gone (retention, or no database)');
    await runDueRerun(deps, await clientFor(card.team), card, label, by, stillAllowed);
  }, log, () => void tracker?.poll());

  const auditSettings = d.audit ?? AuditSettingsSchema.parse({});
  const limiter = new HostLimiter(auditSettings.AUDIT_PER_HOST);
  const audits: AuditFlowDeps = { flow: deps, store: d.store, settings: auditSettings, running: new Set(), limiter };
  // Watches keep each run and its outbox rows in one transaction of the store (SQLite or PostgreSQL).
  const watches = d.store
    ? new WatchService({
        flow: deps, store: d.store, watches: d.store.watches, settings: d.watch ?? WatchSettingsSchema.parse({}), audit: auditSettings, limiter,
        kick: () => d.outbox?.kick(), stillAllowed, ...(d.watchLeaseMs ? { leaseMs: d.watchLeaseMs } : {}),
      })
    : undefined;

  registerListeners(app, { flow: deps, settings, log, store: d.store, support: d.support, uploads, reruns, quietStart, allowed, firstDelivery, cardFrom, audits, watches });

  app.error(async (err) => {
    log.error({ err: err.message }, 'slack handler failed');
  });

  return {
    app,
    deps,
    watches,
    async start(port = settings.PORT) {
      // What the first diagnosis would otherwise do while later commands are being acknowledged: load the OpenAPI reader
      // (imported on demand, see spec-import) and build the TLS trust. Work the app needs anyway, done before it listens.
      await loadSpecReader();
      prepareTrust(d.net.extraCa);
      const server = (await app.start(port)) as unknown as { address?: () => { port: number } | string | null; prependListener?: (e: string, f: (req: object) => void) => void };
      server?.prependListener?.('request', (req) => Object.assign(req, { receivedAt: performance.now() }));
      const addr = server?.address?.();
      watches?.start();
      tracker?.start();
      return { port: typeof addr === 'object' && addr ? addr.port : port };
    },
    async stop() {
      reruns.stop();
      await watches?.shutdown();
      await app.stop();
      if (!tracker) {
        await Promise.allSettled([...deps.inFlight]);
        return { handedBack: 0 };
      }
      return tracker.stop(d.work?.graceMs ?? 10_000, deps.inFlight);
    },
  };
}
