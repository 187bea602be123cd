import type { Receiver, ReceiverEvent } from '@slack/bolt';

/** Whether a delivery has been acknowledged, as its receiver saw it; in every listener's and middleware's `context`. */
export interface AckState {
  acked: boolean;
}

/** The delivery's AckState from a Bolt context (absent only for a delivery that did not come through a receiver). */
export const ackStateOf = (context: unknown): AckState | undefined => (context as { ackState?: AckState } | undefined)?.ackState;

/**
 * Records, between the receiver and Bolt, whether each delivery was acknowledged. Middleware cannot learn it otherwise:
 * Bolt hands each middleware and listener its own copy of the arguments, and the receivers differ on a second ack (the
 * HTTP one throws, Socket Mode's only logs a warning), so acking again to find out would be wrong in Socket Mode. Bolt
 * copies a delivery's customProperties into its context, where answer-store-failures.ts reads this.
 */
export function trackAcks(receiver: Receiver): void {
  const init = receiver.init.bind(receiver);
  receiver.init = (app) => {
    const processEvent = (ev: ReceiverEvent): Promise<void> => {
      const state: AckState = { acked: false };
      const ack = ev.ack;
      ev.ack = (response) => {
        state.acked = true;
        return ack(response);
      };
      ev.customProperties = { ...ev.customProperties, ackState: state };
      return app.processEvent(ev);
    };
    init(new Proxy(app, { get: (t, p) => (p === 'processEvent' ? processEvent : Reflect.get(t, p, t)) }));
  };
}
