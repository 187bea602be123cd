import { slackErrorCode } from '../slack/retry.js';

/**
 * Slack's errors that say "never", each as chat.postMessage / chat.update document it (docs.slack.dev/reference/methods):
 * sending the same payload again gets the same answer, so the outbox gives the message up (dead) instead of retrying
 * it for ever. Split by what is wrong: the payload (someone may be told, in the same place), or the place or the token
 * (nothing can be posted there). Everything else (ratelimited, HTTP 5xx, fatal_error, internal_error, network) may
 * pass: retried with backoff.
 */
const PAYLOAD_ERRORS = new Set([
  'invalid_blocks', // "Blocks submitted with this message are not valid"
  'invalid_blocks_format', // "The blocks is not a valid JSON object or doesn't match the Block Kit syntax"
  'msg_blocks_too_long', // "Blocks submitted with this message are too long"
  'msg_too_long', // chat.update: "Message text is too long"
  'invalid_arguments', // "The method was called with invalid arguments"
  'no_text', // "No message text provided"
  'too_many_attachments', // "Too many attachments were provided with this message. A maximum of 100 attachments are allowed"
  'invalid_metadata_format', 'invalid_metadata_schema', 'metadata_too_large',
  'message_not_found', // chat.update: "No message exists with the requested timestamp"
  'cant_update_message', // chat.update: "Authenticated user does not have permission to update this message"
  'edit_window_closed', // chat.update: "The message cannot be edited due to the team message edit settings"
  'invalid_arg_name', 'invalid_array_arg', 'invalid_charset', 'invalid_form_data', 'invalid_post_type', 'missing_post_type',
]);
const PLACE_ERRORS = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'is_inactive', // the conversation: hidden, left, archived/frozen
  'restricted_action', 'restricted_action_read_only_channel', 'restricted_action_thread_only_channel', 'restricted_action_non_threadable_channel',
  'team_access_not_granted', 'ekm_access_denied', 'access_denied',
  'not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope', 'not_allowed_token_type',
]);

/** Why a delivery can never succeed ("the payload: invalid_blocks", "the place: is_archived"), or null when it may. */
export function permanentFailure(kind: string, err: unknown): string | null {
  if ((err as { permanent?: unknown })?.permanent === true) return `refused for good: ${(err as Error).message}`;
  if (!kind.startsWith('slack.')) return null;
  const code = slackErrorCode(err);
  if (!code) return null;
  if (PAYLOAD_ERRORS.has(code)) return `the payload: ${code}`;
  if (PLACE_ERRORS.has(code)) return `the place or the token: ${code}`;
  return null;
}
