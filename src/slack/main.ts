/** `npm start`: the Slack app with the HTTP receiver on PORT (or Socket Mode with SLACK_APP_TOKEN), settings from the environment and `.env`. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { settingsEnv } from '../config/env.js';
import { errorLine } from '../core/error-line.js';
import { multiWorkspaceProblem, SlackSettingsSchema } from './settings.js';
import { createSlackApp } from './app.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { LimitsSettingsSchema } from '../limits/diagnosis-limits.js';
import { createLogger } from '../log.js';
import { SqliteInstallationStore } from '../store/installations.js';
import { teamClients } from './team-clients.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { StoreSettingsSchema } from '../store/settings.js';
import { OutboxWorker } from '../outbox/worker.js';
import { slackSenders, webhookSender } from '../outbox/senders.js';
import { createSupport, SupportSettingsSchema } from './support.js';
import { opencxServicesFromEnv } from '../opencx/services.js';
import { AuditSettingsSchema } from '../audit/settings.js';
import { WatchSettingsSchema } from '../watch/settings.js';

const env = settingsEnv();
const log = createLogger({ name: 'action-debug', ...(env['LOG_LEVEL'] ? { level: env['LOG_LEVEL'] } : {}) });
/** Every setting is read before anything starts: a wrong one stops the app with one line, not a stack trace. */
function readSettings() {
  try {
    return {
      slack: SlackSettingsSchema.parse(env), store: StoreSettingsSchema.parse(env), support: SupportSettingsSchema.parse(env),
      net: netOptionsFromEnv(env), services: opencxServicesFromEnv(env), limits: LimitsSettingsSchema.parse(env),
      audit: AuditSettingsSchema.parse(env), watch: WatchSettingsSchema.parse(env),
    };
  } catch (err) {
    process.stderr.write(`action-debug: ${errorLine(err)}\nSee .env.example for every setting.\n`);
    process.exit(2);
  }
}
const settings = readSettings();
// Several workspaces reading one OpenCX organisation is refused before anything starts (README, Security).
const shared = multiWorkspaceProblem(settings.slack, Boolean(settings.services.opencx));
if (shared) {
  process.stderr.write(`action-debug: ${shared}\n`);
  process.exit(2);
}
let store: Store;
try {
  store = await openStore(settings.store);
} catch (err) {
  process.stderr.write(`action-debug: ${(err as Error).message}\n`);
  process.exit(2);
}
let installationStore: SqliteInstallationStore | undefined;
if (settings.store.INSTALLATION_ENCRYPTION_KEY) installationStore = new SqliteInstallationStore(store, settings.store.INSTALLATION_ENCRYPTION_KEY);
else if (settings.slack.SLACK_CLIENT_ID) {
  process.stderr.write('action-debug: OAuth installs (SLACK_CLIENT_ID) keep tokens sealed: set INSTALLATION_ENCRYPTION_KEY (16+ characters)\n');
  process.exit(2);
}
// Sends what the database says is still to send: tickets committed before a crash or during a Slack outage go out now.
const worker = new OutboxWorker({
  store,
  senders: { ...slackSenders(teamClients(settings.slack, installationStore, log)), webhook: webhookSender },
  logger: log,
  // A message claimed by a process that died is sent by another after this (the same lease as work).
  leaseMs: settings.store.WORK_LEASE_SECONDS * 1000,
});
const support = createSupport(store, worker, settings.support, log);
const app = createSlackApp(settings.slack, {
  net: settings.net, services: settings.services, limits: settings.limits, logger: log, support, store, ...(installationStore ? { installationStore } : {}),
  outbox: worker, audit: settings.audit, watch: settings.watch,
  work: { leaseMs: settings.store.WORK_LEASE_SECONDS * 1000, graceMs: settings.store.STOP_GRACE_SECONDS * 1000 },
});
const purge = () => void store.purgeOlderThan(settings.support.RETENTION_DAYS).then((deleted) => log.info({ deleted }, 'retention'), (err: Error) => log.error({ err: err.message }, 'retention failed'));
purge();
setInterval(purge, 6 * 3_600_000).unref();
worker.start();
// Event-loop lag is what would delay Slack acks (the 3 s deadline): logged every 10 s when it passed 100 ms.
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
setInterval(() => {
  const maxMs = Math.round(lag.max / 1e6);
  if (maxMs >= 100) log.warn({ eventLoopLagMaxMs: maxMs, eventLoopLagP99Ms: Math.round(lag.percentile(99) / 1e6) }, 'event loop lag');
  lag.reset();
}, Number(env['ACTION_DEBUG_LAG_INTERVAL_MS'] ?? 10_000)).unref();
const { port } = await app.start();
log.info({ port, socketMode: Boolean(settings.slack.SLACK_APP_TOKEN) }, 'action-debug listening: /slack/events, /healthz');
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    // Graceful: no new work is taken, running work gets STOP_GRACE_SECONDS to finish, the rest is handed back to the
    // next start (which finishes it); messages already committed stay in the outbox.
    log.info({ graceSeconds: settings.store.STOP_GRACE_SECONDS }, 'stopping: finishing running work');
    void app.stop().then(async ({ handedBack }) => {
      await worker.stop();
      await store.close();
      log.info({ handedBack }, 'stopped');
      process.exit(0);
    });
  });
}
