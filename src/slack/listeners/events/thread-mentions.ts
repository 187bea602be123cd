import { handleMention, mentionIntent } from '../../mention-flow.js';
import { track } from '../../diagnose-flow.js';
import type { MentionWork } from '../../durable-events.js';
import type { App, ListenerDeps } from '../deps.js';
import { crashPoint } from '../../../core/crash-point.js';

/**
 * `@action-debug rerun`, `@action-debug spec <url>`, or a spec file attached to a mention in a card's thread. Only
 * mentions reach us: the app does not subscribe to channel messages (least privilege). With a database the mention was
 * recorded before Slack's ack (durable-events.ts); this listener takes that row over.
 */
export function register(app: App, d: ListenerDeps): void {
  app.event('app_mention', async ({ event, body, client, context }) => {
    const work = (context as { mentionWork?: MentionWork }).mentionWork;
    // A retried delivery: the first one is already being handled (by the work row's key across instances and restarts).
    if (work ? !work.created : context.retryNum) return;
    work?.adopt();
    crashPoint('mention:after-ack');
    // A graceful stop began: the row stays ours until the stop hands it back, and the next start answers it.
    if (d.flow.work?.stopping) return;
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    const threadTs = (event as { thread_ts?: string }).thread_ts;
    const handled = handleMention(d.flow, d.uploads, client, { eventId, channel: event.channel, threadTs, user: event.user, intent: mentionIntent(event as Parameters<typeof mentionIntent>[0]) }, context.botToken ?? '', work?.id)
      // A reply Slack refused (not_in_channel, a rate limit past its window) or a store error: the row is finished as
      // failed, never left running under this process's lease.
      .catch(async (err: unknown) => {
        await d.flow.work?.done(work?.id, 'failed').catch(() => {});
        throw err;
      });
    await track(d.flow, handled);
  });
}
