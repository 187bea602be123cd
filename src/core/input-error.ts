/** A mistake in what the user gave us: shown as one line, exit 2 in the CLI, an ephemeral note in Slack. */
export class InputError extends Error {
  override name = 'InputError';
}
