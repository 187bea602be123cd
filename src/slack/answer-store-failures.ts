import type { AnyMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import { errorMessage } from '../render/blocks.js';
import { asStoreError } from '../store/store-error.js';
import { ackStateOf } from './ack-state.js';
import type { Logger } from '../log.js';

type Ack = (r?: unknown) => Promise<void>;

/**
 * Bolt global middleware, outermost: a database failure that escapes the gate or a listener of a command, a button or a
 * form is answered, never left to silence. Without it Bolt answers Slack 500 (a click shows only Slack's generic warning,
 * and Slack does not deliver a click or a command again), so work the user asked for would vanish unexplained.
 * Listeners record work before they ack (whatever is acknowledged is durable): when that write fails, this acks now,
 * with the reason and what to do, and nothing was started. Mentions (events) are not answered here: they are recorded
 * before Bolt sees them, and one that cannot be recorded is left unacknowledged so that Slack delivers it again.
 */
export function answerStoreFailures(log: Logger) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const b = args.body as { command?: unknown; type?: unknown; view?: { blocks?: { type?: unknown; block_id?: unknown }[]; state?: { values?: Record<string, unknown> } } };
    const kind = b.command !== undefined ? 'command' : b.type === 'block_actions' ? 'button' : b.type === 'view_submission' ? 'form' : null;
    const a = args as { ack?: Ack; respond?: (r: unknown) => Promise<unknown> };
    if (!kind || !a.ack) return args.next();
    try {
      await args.next();
    } catch (thrown) {
      // Ours, or a driver's error a store method passed on as it was: both are the database's, and answered.
      const err = asStoreError(thrown);
      if (!err) throw thrown;
      log.error({ kind, code: err.code, err: err.message }, 'the database failed during a request; the requester is told');
      // Not acked yet (as the receiver saw it: trackAcks) means nothing was recorded, so nothing runs; acked, the
      // listener's work may have begun.
      const first = !(ackStateOf(args.context)?.acked ?? false);
      const text = `${err.message} ${first ? 'Nothing was started: try' : 'Try'} again in a moment.`;
      const said = errorMessage(text, false);
      // A form's answer is an error under one of its fields: Slack takes only an input block's block_id, so the first
      // input block of the submitted view (Slack sends its blocks), else the first block its values came from.
      const input = b.view?.blocks?.find((x) => x.type === 'input' && typeof x.block_id === 'string')?.block_id as string | undefined;
      const field = input ?? Object.keys(b.view?.state?.values ?? {})[0];
      if (first) {
        // A command's ack body is the answer it shows; a button's ack is empty and the answer goes to its response_url.
        if (kind === 'command') return void (await a.ack({ response_type: 'ephemeral', ...said }));
        if (kind === 'form') return void (await a.ack(field ? { response_action: 'errors', errors: { [field]: text } } : undefined));
        await a.ack();
      }
      // A form acked already has nowhere left to answer (its modal is closed and it has no response_url).
      if (kind !== 'form') await a.respond?.({ response_type: 'ephemeral', replace_original: false, ...said }).catch(() => {});
    }
  };
}
