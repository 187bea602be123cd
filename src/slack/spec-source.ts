/**
 * What a Slack user may name as a spec: an https:// URL, nothing else. A file comes by sharing it in the card's thread
 * (the app downloads it from Slack and names it itself); a path, a `file:`/`http:` URL or a typed `slack-file:` key
 * would make the bot read its own disk or another workspace's upload, so they are refused here, before anything runs.
 */
export const SLACK_SPEC_REFUSAL =
  'From Slack, a spec is an https:// URL, or a .json/.yaml file shared in the card\'s thread (attached to a mention of the bot): files on the bot\'s server are never read.';

/** Null when the typed spec may be used; otherwise the one line to show (it never repeats what was typed). */
export function slackSpecRefusal(spec: string | undefined): string | null {
  if (spec === undefined) return null;
  let url: URL;
  try {
    url = new URL(spec.trim());
  } catch {
    return SLACK_SPEC_REFUSAL;
  }
  return url.protocol === 'https:' && url.hostname ? null : SLACK_SPEC_REFUSAL;
}
