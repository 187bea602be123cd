/**
 * The bot scopes the app uses, and nothing more. manifest.yml declares the same list (a test compares them); the OAuth
 * install asks for exactly these.
 */
export const BOT_SCOPES = [
  'commands', // the slash command
  'chat:write', // the card, its thread, ephemeral answers
  'app_mentions:read', // @action-debug rerun / spec <url> / a spec file attached to the mention, in a card's thread
  'files:read', // downloading that spec (the mention event carries the file; no channel history is read)
] as const;
