import type { App, ButtonMatch, ListenerDeps } from './deps.js';
import { BUTTONS, type ButtonName } from '../buttons.js';
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
const listeners = [actionDebugCommand, diagnoseForm, threadMentions];

/**
 * One listener per row of the button table, on that row's action_id match (the same table the gate classifies clicks
 * with): a row without its listener does not compile, and a listener cannot listen on an id the gate does not know.
 */
const buttons: Record<ButtonName, (app: App, d: ListenerDeps, match: ButtonMatch) => void> = {
  rerun: rerun.register,
  rerunLater: rerunLater.register,
  details: details.register,
  escalate: escalate.register,
  followUp: followUp.register,
  auditOpen: auditOpen.register,
  auditAgain: auditAgain.register,
  // Ticket resolution lives with the support desk, which owns the ticket store (no support desk: no tickets rendered).
  ticketResolve: (app, d, match) => d.support?.registerResolve(app, match),
};

export function registerListeners(app: App, deps: ListenerDeps): void {
  for (const l of listeners) l.register(app, deps);
  for (const name of Object.keys(BUTTONS) as ButtonName[]) buttons[name](app, deps, BUTTONS[name].match);
  // Ticket submission (the escalation form) lives with the support desk too.
  deps.support?.register(app, (id) => deps.flow.cards.get(id));
}
