import type { types } from '@slack/bolt';
import * as z from 'zod';
import { InputError, MAX_BURST, METHODS, parseHeaderArg, type DiagnosisInputDraft } from '../pipeline/input.js';

export const MODAL_CALLBACK = 'ad_diagnose_modal';

/** The form behind `/action-debug` with no arguments. The Authorization field's value is never put back in any view. */
export function diagnoseModal(channel: string): types.View {
  const input = (block_id: string, label: string, placeholder: string, optional = false, hint?: string): types.InputBlock => ({
    type: 'input', block_id, optional, label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: 'v', placeholder: { type: 'plain_text', text: placeholder } },
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
  });
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: 'Debug an action' },
    submit: { type: 'plain_text', text: 'Diagnose' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input('session', 'Session ID', 'a session where the action should have been called'),
      input('action', 'Action name', 'Look up order'),
      input('endpoint', 'Endpoint', 'https://api.example.com/orders/{id}'),
      {
        type: 'input', block_id: 'method', label: { type: 'plain_text', text: 'Method' },
        element: {
          type: 'static_select', action_id: 'v', initial_option: { text: { type: 'plain_text', text: 'GET' }, value: 'GET' },
          options: METHODS.map((m) => ({ text: { type: 'plain_text' as const, text: m }, value: m })),
        },
      },
      input('spec', 'OpenAPI spec URL', 'https://api.example.com/openapi.yaml', true),
      input('authorization', 'Authorization value', 'Bearer …', true, 'Exactly as saved in the global variable. Used for this diagnosis only, never shown or stored.'),
      input('burst', 'Burst (optional)', `0 to ${MAX_BURST}`, true, `Send up to ${MAX_BURST} calls in a row to see where rate limiting starts. Only against an endpoint you own.`),
      {
        type: 'input', block_id: 'owner', optional: true, label: { type: 'plain_text', text: 'Ownership' },
        element: { type: 'checkboxes', action_id: 'v', options: [{ text: { type: 'plain_text', text: 'I own or operate this endpoint' }, value: 'owner' }] },
      },
    ],
  };
}

const Values = z.record(
  z.string(),
  z.record(z.string(), z.object({ value: z.string().nullish(), selected_option: z.object({ value: z.string() }).nullish(), selected_options: z.array(z.object({ value: z.string() })).nullish() })),
);

export function modalChannel(privateMetadata: string): string | null {
  try {
    return z.object({ channel: z.string() }).parse(JSON.parse(privateMetadata)).channel;
  } catch {
    return null;
  }
}

/** The submitted form → an input draft; the Authorization value goes straight into a Secret. */
export function modalDraft(values: unknown): DiagnosisInputDraft {
  const v = Values.parse(values);
  const text = (id: string) => v[id]?.['v']?.value?.trim() || undefined;
  const auth = text('authorization');
  const burstText = text('burst');
  const burst = burstText === undefined ? 0 : Number(burstText);
  if (!Number.isInteger(burst) || burst < 0 || burst > MAX_BURST) throw new InputError(`burst: a whole number from 0 to ${MAX_BURST}`);
  const owner = Boolean(v['owner']?.['v']?.selected_options?.some((o) => o.value === 'owner'));
  if (burst > 0 && !owner) throw new InputError('burst: tick "I own or operate this endpoint" to send a burst, or leave it empty');
  return {
    ...(burst ? { burst } : {}),
    endpoint: text('endpoint') ?? '',
    method: (v['method']?.['v']?.selected_option?.value ?? 'GET') as 'GET',
    ...(text('session') ? { session: text('session') } : {}),
    ...(text('action') ? { action: text('action') } : {}),
    ...(text('spec') ? { spec: text('spec') } : {}),
    headers: auth ? [parseHeaderArg(`Authorization: ${auth}`)] : [],
  };
}

