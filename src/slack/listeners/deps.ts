import type bolt from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/store.js';
import type { UploadedSpecs } from '../../openapi/uploaded-specs.js';
import type { Card } from '../card-store.js';
import type { Requester } from '../gate.js';
import type { FlowDeps } from '../diagnose-flow.js';
import type { QuietStart } from '../quiet-start.js';
import type { RerunSchedule } from '../rerun-schedule.js';
import type { SlackSettings } from '../settings.js';
import type { Support } from '../support.js';
import type { AuditFlowDeps } from '../audit-flow.js';
import type { WatchService } from '../watch-service.js';

export type App = InstanceType<typeof bolt.App>;

/** A button's action_id as the one table (../buttons.ts) matches it; a listener is registered on its row's match only. */
export type ButtonMatch = string | RegExp;

/** What every listener is handed by createSlackApp: the flow, the stores and the shared rules. */
export interface ListenerDeps {
  flow: FlowDeps;
  settings: SlackSettings;
  log: Logger;
  store?: Store | undefined;
  support?: Support | undefined;
  uploads: UploadedSpecs;
  reruns: RerunSchedule;
  audits: AuditFlowDeps;
  /** Present when a database is: watches are stored schedules. */
  watches?: WatchService | undefined;
  quietStart: QuietStart;
  /** Why this user may not use the bot in this channel and workspace, or null when they may. */
  allowed(r: Requester): string | null;
  /** Slack retries a delivery it thinks failed; false for the second delivery of the same trigger. */
  firstDelivery(triggerId: string | undefined): boolean;
  /** The card a button's value names (the value is only a key: the card itself is read from our store). */
  cardFrom(value: string): Promise<Card | undefined>;
}

/** Answered instead of starting work while a graceful stop is under way (the next start is seconds away). */
export const STOPPING = 'action-debug is restarting: try again in a minute.';

export const CARD_GONE = { response_type: 'ephemeral', replace_original: false, text: 'This card is from before a restart and no database is configured: run /action-debug again.' } as const;

/** A click's de-duplication key: its trigger_id (a retried delivery carries the same one), or none. */
export function clickKey(body: unknown): string | null {
  const t = (body as { trigger_id?: string }).trigger_id;
  return t ? `trigger:${t}` : null;
}

/** The value a button carries. */
export function buttonValue(action: unknown): string {
  return (action as { value?: string }).value ?? '';
}
