import type { App, ListenerDeps } from './deps.js';
import * as actionDebugCommand from './commands/action-debug.js';
import * as diagnoseForm from './views/diagnose-form.js';
import * as rerun from './actions/rerun.js';
import * as rerunLater from './actions/rerun-later.js';
import * as followUp from './actions/follow-up.js';
import * as details from './actions/details.js';
import * as escalate from './actions/escalate.js';
import * as threadMentions from './events/thread-mentions.js';
import * as auditOpen from './actions/audit-open.js';
import * as auditAgain from './actions/audit-again.js';

/** Every listener, one per file (as slack-samples/bolt-js-starter-template does), each given the same deps. */
const listeners = [actionDebugCommand, diagnoseForm, rerun, rerunLater, followUp, details, escalate, threadMentions, auditOpen, auditAgain];

export function registerListeners(app: App, deps: ListenerDeps): void {
  for (const l of listeners) l.register(app, deps);
  // Ticket submission and resolution live with the support desk, which owns the ticket store.
  deps.support?.register(app, (id) => deps.flow.cards.get(id));
}
