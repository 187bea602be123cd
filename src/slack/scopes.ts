/**
 * The bot scopes the app uses, and nothing more. manifest.yml declares the same list (a test compares them); the OAuth
 * install asks for exactly these.
 */
export const BOT_SCOPES = [
  'commands', // the slash command
  'chat:write', // the card, its thread, ephemeral answers
  'app_mentions:read', // @action-debug rerun / spec <url> in a card's thread
  'channels:history', // file_share messages in public channels (a spec shared in a card's thread)
  'groups:history', // the same in private channels
  'files:read', // downloading that spec
] as const;
