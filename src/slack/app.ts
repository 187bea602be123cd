import bolt from '@slack/bolt';
import pLimit from 'p-limit';
import type { AllMiddlewareArgs, InstallationStore, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { BOT_SCOPES } from './scopes.js';
import { slackClientOptions, teamClients } from './team-clients.js';
import { RerunSchedule } from './rerun-schedule.js';
import { workspaceKey } from './workspace.js';
import { InputError, parseDiagnosisInput, type DiagnosisInput } from '../pipeline/input.js';
import type { ProbeServices } from '../pipeline/probe.js';
import type { NetOptions } from '../net/options.js';
import { createLogger, type Logger } from '../log.js';
import { DiagnosisLimits, LimitsSettingsSchema, type LimitsSettings } from '../limits/diagnosis-limits.js';
import { ACTIONS, errorMessage, helpMessage } from '../render/blocks.js';
import { parseSlashCommand, type SlashCommand } from './parse-command.js';
import { diagnoseModal, MODAL_CALLBACK, modalChannel, modalDraft } from './modal.js';
import { MemoryCardStore, type CardStore } from './card-store.js';
import { StoredCardStore } from './stored-card-store.js';
import { followUpCheck, rerunCard, startCardDiagnosis, type FlowDeps, type ReportSink, type Respond } from './diagnose-flow.js';
import { NOT_CONFIGURED } from './escalate.js';
import { historyText, type Support } from './support.js';
import type { Store } from '../store/store.js';
import type { OpenCxServices } from '../opencx/facts.js';
import { resolveFromOpenCx } from '../opencx/resolve-input.js';
import type { SlackSettings } from './settings.js';
import { registerThreadEvents } from './thread-events.js';
import { QuietStart } from './quiet-start.js';
import { UploadedSpecs } from '../openapi/uploaded-specs.js';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;

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
}

export interface SlackApp {
  app: InstanceType<typeof App>;
  start(port?: number): Promise<{ port: number }>;
  /** Stops listening, cancels scheduled re-runs and waits for running diagnoses. */
  stop(): Promise<void>;
  deps: FlowDeps;
}

/**
 * The Bolt app. It parses, checks who may use it, and hands work to the diagnosis flow; it decides nothing about endpoints.
 * Commands are acknowledged before anything slow happens (Slack's 3 s deadline).
 */
export function createSlackApp(settings: SlackSettings, d: SlackAppDeps): SlackApp {
  const log = d.logger ?? createLogger({ name: 'action-debug-slack' });
  const uploads = new UploadedSpecs();
  const deps: FlowDeps = {
    settings,
    net: d.net,
    services: { uploadedSpecs: uploads, ...d.services },
    cards: d.cards ?? (d.store ? new StoredCardStore(d.store) : new MemoryCardStore()),
    limits: new DiagnosisLimits(d.limits ?? LimitsSettingsSchema.parse({})),
    log,
    sinks: [...(d.sinks ?? []), ...(d.support ? [d.support.sink] : [])],
    inFlight: new Set(),
    slots: pLimit(settings.MAX_CONCURRENT_DIAGNOSES),
  };
  const quietStart = new QuietStart(settings.ACK_QUIET_MS, settings.ACK_MAX_DEFER_MS);
  const seenTriggers = new Map<string, number>();

  const clientOptions = slackClientOptions(settings);
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
        installerOptions: { clientOptions, authorizationUrl: settings.SLACK_OAUTH_AUTHORIZE_URL, directInstall: true, installPath: '/slack/install', redirectUriPath: '/slack/oauth_redirect' },
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
        endpoints: '/slack/events',
        processBeforeResponse: false,
        customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); } }],
        logLevel,
        // When the request reached the server (stamped below), so each command's log line can say how long its ack took.
        customPropertiesExtractor: (req) => ({ receivedAt: (req as unknown as { receivedAt?: number }).receivedAt ?? performance.now() }),
        ...oauth,
      });
  const app = new App({ ...auth, receiver, clientOptions, logLevel });

  const allowed = (user: string, channel: string): string | null => {
    if (settings.ALLOWED_USER_IDS.length && !settings.ALLOWED_USER_IDS.includes(user)) return 'Sorry, action-debug is limited to a few people in this workspace. Ask your Slack admin to add you.';
    if (settings.ALLOWED_CHANNEL_IDS.length && !settings.ALLOWED_CHANNEL_IDS.includes(channel)) return 'Sorry, action-debug is not enabled in this channel. Try it in one of the channels your admin allowed.';
    return null;
  };

  /** Slack retries a delivery it thinks failed; the same trigger_id twice is the same command. */
  const firstDelivery = (triggerId: string | undefined): boolean => {
    if (!triggerId) return true;
    const now = Date.now();
    for (const [k, t] of seenTriggers) if (now - t > 600_000) seenTriggers.delete(k);
    if (seenTriggers.has(triggerId)) return false;
    seenTriggers.set(triggerId, now);
    return true;
  };

  app.command(/^\/action-debug/, async ({ command, ack, respond, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const rid = command.trigger_id;
    if (context.retryNum || !firstDelivery(command.trigger_id)) {
      await ack();
      log.info({ rid, retry: context.retryNum }, 'retried delivery ignored');
      return;
    }
    const refusal = allowed(command.user_id, command.channel_id);
    if (refusal) return void (await ack({ response_type: 'ephemeral', ...errorMessage(refusal, false) }));
    let parsed: SlashCommand;
    let input: DiagnosisInput | undefined;
    const facts = (deps.services as OpenCxServices).opencx;
    try {
      parsed = parseSlashCommand(command.text ?? '');
      if (parsed.kind === 'diagnose' && (parsed.draft.endpoint || !facts)) {
        if (!parsed.draft.endpoint) throw new InputError('missing an endpoint');
        input = parseDiagnosisInput(parsed.draft);
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return void (await ack({ response_type: 'ephemeral', ...errorMessage(err.message) }));
    }
    if (parsed.kind === 'help') return void (await ack({ response_type: 'ephemeral', ...helpMessage() }));
    if (parsed.kind === 'history') {
      if (!d.store) return void (await ack({ response_type: 'ephemeral', ...errorMessage('History is not available: no database is configured.', false) }));
      return void (await ack({ response_type: 'ephemeral', text: historyText(d.store, parsed.action) }));
    }
    if (parsed.kind === 'modal') {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: diagnoseModal(command.channel_id) });
      return;
    }
    const receivedAt = (context as { receivedAt?: number }).receivedAt;
    const sinceArrival = () => (receivedAt === undefined ? null : Math.round(performance.now() - receivedAt));
    let ackMs: number | null = null;
    if (!input) {
      // No endpoint given: the action's saved one comes from OpenCX, after the ack (the 3 s deadline holds).
      await ack({ response_type: 'ephemeral', text: `Looking up "${parsed.draft.action}" in OpenCX…` });
      ackMs = sinceArrival();
      try {
        const draft = await resolveFromOpenCx(parsed.draft, facts);
        // No saved endpoint (no such action, or OpenCX unreadable): the diagnosis still runs, and its verdict says which.
        input = parseDiagnosisInput(draft);
      } catch (err) {
        return void (await (respond as Respond)({ response_type: 'ephemeral', ...errorMessage(err instanceof Error ? err.message : String(err)) }));
      }
    } else if (input.burst > 0 && deps.net.allowPrivate === false) {
      return void (await ack({ response_type: 'ephemeral', ...errorMessage('burst= sends several calls in a row: open the form (`/action-debug` alone) to confirm you own the endpoint.', false) }));
    } else {
      await ack({ response_type: 'ephemeral', text: `Diagnosing ${input.endpoint ? `${input.method} ${new URL(input.endpoint).host}` : `"${input.action ?? ''}"`}… the card appears in this channel.` });
      ackMs = sinceArrival();
    }
    log.info({ rid, user: command.user_id, channel: command.channel_id, ackMs }, 'diagnosis requested');
    // During a burst of commands, everyone is acknowledged before any diagnosis starts (see QuietStart).
    await quietStart.wait();
    const team = workspaceKey(command.team_id, command.enterprise_id, command.is_enterprise_install);
    await startCardDiagnosis(deps, client, { input, channel: command.channel_id, team, user: command.user_id, respond: respond as Respond });
  });

  app.view(MODAL_CALLBACK, async ({ ack, view, body, client, respond }) => {
    let input;
    try {
      input = parseDiagnosisInput(modalDraft(view.state.values));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const block = ['endpoint', 'session', 'action', 'method', 'spec', 'burst'].find((b) => msg.startsWith(b)) ?? 'endpoint';
      return void (await ack({ response_action: 'errors', errors: { [block]: msg.replace(/^\w+: /, '') } }));
    }
    await ack();
    const channel = modalChannel(view.private_metadata) ?? body.user.id;
    const post: Respond = async (m) => client.chat.postEphemeral({ channel, user: body.user.id, text: m.text, blocks: m.blocks });
    const team = workspaceKey(body.team?.id ?? body.user.team_id ?? 'T?', body.enterprise?.id, body.is_enterprise_install);
    await startCardDiagnosis(deps, client, { input, channel, team, user: body.user.id, respond: respond ?? post });
  });

  const cardFrom = (value: string) => deps.cards.get(value.split('|')[0]!);
  const CARD_GONE = { response_type: 'ephemeral', replace_original: false, text: 'This card is from before a restart and no database is configured: run /action-debug again.' } as const;
  // A scheduled re-run runs outside any Slack request (maybe after a restart): it takes its workspace's client.
  const clientFor = teamClients(settings, d.installationStore);
  const reruns = new RerunSchedule(d.store, async (cardId, label) => {
    const card = deps.cards.get(cardId);
    if (!card) return void log.warn({ card: cardId }, 'scheduled re-run: the card is gone (retention, or no database)');
    await rerunCard(deps, await clientFor(card.team), card, label);
  }, log);

  app.action(ACTIONS.rerun, async ({ ack, action, client, respond }) => {
    await ack();
    const card = cardFrom((action as { value?: string }).value ?? '');
    if (!card) return void (await respond(CARD_GONE));
    await rerunCard(deps, client, card, 'Re-run');
  });

  app.action(ACTIONS.rerunLater, async ({ ack, action, body, respond }) => {
    await ack();
    const card = cardFrom((action as { value?: string }).value ?? '');
    if (!card) return void (await respond(CARD_GONE));
    reruns.add(card.id, Date.now() + settings.RERUN_LATER_MINUTES * 60_000, body.user.id, `Re-run after ${settings.RERUN_LATER_MINUTES} min`);
    await respond({ response_type: 'ephemeral', replace_original: false, text: `I'll re-run this diagnosis in ${settings.RERUN_LATER_MINUTES} minutes and answer in the thread.` });
  });

  app.action(ACTIONS.followUp, async ({ ack, action, client }) => {
    await ack();
    const value = (action as { value?: string }).value ?? '';
    const card = cardFrom(value);
    const label = (action as { text?: { text?: string } }).text?.text ?? 'Follow-up';
    if (card) await followUpCheck(deps, client, card, value.split('|')[1] ?? '', label);
  });

  app.action(ACTIONS.details, async ({ ack, action, respond }) => {
    await ack();
    const card = cardFrom((action as { value?: string }).value ?? '');
    await respond({ response_type: 'ephemeral', replace_original: false, text: card?.ts ? 'Every check\'s evidence is in this card\'s thread.' : 'This card has no thread: run /action-debug again in a channel I am in.' });
  });

  app.action(ACTIONS.escalate, async ({ ack, action, body, client, respond }) => {
    await ack();
    const card = cardFrom((action as { value?: string }).value ?? '');
    if (!d.support) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_CONFIGURED }));
    if (!card) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'This card is from before a restart and no database is configured: run /action-debug again, then escalate.' }));
    const note = await d.support.escalation.open(client, card, (body as { trigger_id: string }).trigger_id, body.user.id);
    if (note) await respond({ response_type: 'ephemeral', replace_original: false, text: note });
  });

  d.support?.register(app, (id) => deps.cards.get(id));

  registerThreadEvents(app, deps, uploads);

  app.error(async (err) => {
    log.error({ err: err.message }, 'slack handler failed');
  });

  return {
    app,
    deps,
    async start(port = settings.PORT) {
      const server = (await app.start(port)) as unknown as { address?: () => { port: number } | string | null; prependListener?: (e: string, f: (req: object) => void) => void };
      server?.prependListener?.('request', (req) => Object.assign(req, { receivedAt: performance.now() }));
      const addr = server?.address?.();
      reruns.resume();
      return { port: typeof addr === 'object' && addr ? addr.port : port };
    },
    async stop() {
      reruns.stop();
      await app.stop();
      await Promise.allSettled([...deps.inFlight]);
    },
  };
}
