import type { Receiver, ReceiverEvent } from '@slack/bolt';
import type { WorkTracker } from '../work/tracker.js';
import type { Logger } from '../log.js';
import { crashPoint } from '../core/crash-point.js';
import { MentionDeliverySchema, storedMention } from './mention-flow.js';
import { workspaceKey } from './workspace.js';

/** What a mention's listener finds in its context: the mention's work row, recorded before Slack's ack. */
export interface MentionWork {
  id: string;
  /** False: this event was recorded by an earlier delivery (a Slack retry, maybe to another instance): start nothing. */
  created: boolean;
  /** The listener took the row over: it finishes it (or leaves it for the next start on a graceful stop). */
  adopt(): void;
}

/**
 * Commands, clicks and submissions are acknowledged by our listeners, after their commit. Events are not: Bolt
 * acknowledges an Events API delivery itself, before any middleware or listener runs. So a mention is recorded here,
 * between the receiver and Bolt, as a work row; only then does Bolt see (and acknowledge) it. If the row cannot be
 * written the delivery fails (HTTP 500, or no Socket Mode ack) and Slack delivers it again: nothing is acknowledged
 * that is not durable. A recorded mention that no listener took (the gate refused it) is finished here.
 */
export function recordMentionsBeforeAck(receiver: Receiver, work: () => WorkTracker | undefined, log: Logger): void {
  const init = receiver.init.bind(receiver);
  receiver.init = (app) => {
    const processEvent = async (ev: ReceiverEvent): Promise<void> => {
      const w = work();
      // Most deliveries are commands and clicks: only an event callback is read against the mention's schema (a failed
      // zod parse builds its issues, which cost each command's ack more than the rest of this hand-off).
      const body = ev.body as { type?: unknown };
      const mention = w && body.type === 'event_callback' ? MentionDeliverySchema.safeParse(ev.body) : undefined;
      if (!w || !mention?.success) return app.processEvent(ev);
      const { event_id: eventId, team_id: team, enterprise_id: enterprise, authorizations, event } = mention.data;
      const rec = await w.begin({
        kind: 'mention', dedupeKey: `event:${eventId}`, workspace: team ? workspaceKey(team, enterprise ?? undefined, authorizations?.[0]?.is_enterprise_install) : null,
        channel: event.channel, requester: event.user ?? '',
        payload: storedMention(eventId, event),
      });
      crashPoint('mention:after-commit');
      let adopted = false;
      const mine: MentionWork = { id: rec.row.id, created: rec.created, adopt: () => (adopted = true) };
      ev.customProperties = { ...ev.customProperties, mentionWork: mine };
      // Thrown (nothing acknowledged, Slack delivers it again): the row stays for the retry or the next start to answer.
      await app.processEvent(ev);
      if (rec.created && !adopted) {
        log.info({ work: rec.row.id }, 'mention not taken by a listener (refused by the gate)');
        await w.done(rec.row.id, 'not-handled').catch((err: Error) => log.error({ work: rec.row.id, err: err.message }, 'finishing a mention failed'));
      }
    };
    // Everything else of the app as it is; only the hand-off of each delivery goes through the recorder.
    init(new Proxy(app, { get: (t, p) => (p === 'processEvent' ? processEvent : Reflect.get(t, p, t)) }));
  };
}
