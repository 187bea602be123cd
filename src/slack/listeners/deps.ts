import type bolt from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/store.js';
import type { UploadedSpecs } from '../../openapi/uploaded-specs.js';
import type { Card } from '../card-store.js';
import type { FlowDeps } from '../diagnose-flow.js';
import type { QuietStart } from '../quiet-start.js';
import type { RerunSchedule } from '../rerun-schedule.js';
import type { SlackSettings } from '../settings.js';
import type { Support } from '../support.js';

export type App = InstanceType<typeof bolt.App>;

/** What every listener is handed by createSlackApp: the flow, the stores and the shared rules. */
export interface ListenerDeps {
  flow: FlowDeps;
  settings: SlackSettings;
  log: Logger;
  store?: Store | undefined;
  support?: Support | undefined;
  uploads: UploadedSpecs;
  reruns: RerunSchedule;
  quietStart: QuietStart;
  /** Why this user may not use the bot in this channel, or null when they may. */
  allowed(user: string, channel: string): string | null;
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
