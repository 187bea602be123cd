import * as z from 'zod';

const list = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []));

/** The Slack app's settings, from the environment (see .env.example). */
export const SlackSettingsSchema = z
  .object({
  /** Checks that HTTP deliveries come from Slack; not used in Socket Mode, where the app opens the connection itself. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** One workspace: the bot token. Several: leave it empty and set the OAuth settings below. */
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  /** Installs into several workspaces through Slack's OAuth flow (/slack/install); tokens are kept sealed in SQLite. */
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  SLACK_STATE_SECRET: z.string().min(16).optional(),
  SLACK_OAUTH_AUTHORIZE_URL: z.url().default('https://slack.com/oauth/v2/authorize'),
  /** Socket Mode (no public URL) when set: xapp-… */
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'SLACK_APP_TOKEN is an app-level token (xapp-…) with the connections:write scope').optional(),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  SLACK_BOT_ID: z.string().optional(),
  SLACK_BOT_USER_ID: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * Workspaces (team IDs T…, or an Enterprise Grid org E…) that may use the bot; any when empty. Every workspace that
   * installs the app reads the operator's one OpenCX organisation (OPENCX_API_KEY), so with OAuth installs and an OpenCX
   * key the app refuses to start until this is set (see main.ts, multiWorkspaceProblem).
   */
  ALLOWED_TEAM_IDS: list,
  ALLOWED_CHANNEL_IDS: list,
  ALLOWED_USER_IDS: list,
  /** Who may mark a support ticket resolved (Slack user IDs); nobody when empty. */
  SUPPORT_USER_IDS: list,
  /** At most one card update per interval while probes finish (Slack allows ~1 message write per second per channel). */
  CARD_UPDATE_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  RERUN_LATER_MINUTES: z.coerce.number().positive().default(5),
  /** Attempts for a Slack API call that fails with 429/5xx (then the card's final verdict is posted anew, once). */
  SLACK_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  /**
   * How long a card update Slack answers with 429 is retried, each time after its Retry-After (Slack: chat.update is
   * Tier 3). Past it, the verdict is posted in the card's thread and the card says where it went.
   */
  SLACK_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(600_000),
  /** Diagnoses probing at the same time; more wait their turn (their card says so) so acks stay fast under a burst. */
  MAX_CONCURRENT_DIAGNOSES: z.coerce.number().int().min(1).max(64).default(8),
  SLACK_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  /** Under a burst of commands, diagnoses start (and running ones take their turn to probe) once none arrived for this long (acks first; 0 = at once)… */
  ACK_QUIET_MS: z.coerce.number().int().min(0).max(1000).default(100),
  /** …or once the oldest waiting one has waited this long (Slack's 3 s bounds the ack, not the card). */
  ACK_MAX_DEFER_MS: z.coerce.number().int().min(0).max(10_000).default(2500),
  })
  .superRefine((s, ctx) => {
    const oauth = [s.SLACK_CLIENT_ID, s.SLACK_CLIENT_SECRET, s.SLACK_STATE_SECRET];
    if (!s.SLACK_SIGNING_SECRET && !s.SLACK_APP_TOKEN) {
      ctx.addIssue({ code: 'custom', message: 'SLACK_SIGNING_SECRET is required (Slack app → Basic Information → Signing Secret), or SLACK_APP_TOKEN for Socket Mode' });
    }
    if (!s.SLACK_BOT_TOKEN && !s.SLACK_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', message: 'SLACK_BOT_TOKEN is required (xoxb-…), or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET to install into several workspaces' });
    } else if (s.SLACK_BOT_TOKEN && s.SLACK_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', message: 'set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID (OAuth installs), not both' });
    } else if (s.SLACK_CLIENT_ID && oauth.some((v) => !v)) {
      ctx.addIssue({ code: 'custom', message: 'OAuth installs need SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (16+ characters)' });
    }
  });
export type SlackSettings = z.infer<typeof SlackSettingsSchema>;

/**
 * Several workspaces can install the app (OAuth) and every one of them would read the operator's single OpenCX
 * organisation (its actions, sessions, audits, watches). Without a workspace allow-list that is refused at start, not
 * discovered later: the operator lists the workspaces that belong to that organisation. One workspace (bot token) needs
 * nothing new: only the workspace the token belongs to can reach the app.
 */
export function multiWorkspaceProblem(s: Pick<SlackSettings, 'SLACK_CLIENT_ID' | 'ALLOWED_TEAM_IDS'>, opencxConfigured: boolean): string | null {
  if (!s.SLACK_CLIENT_ID || !opencxConfigured || s.ALLOWED_TEAM_IDS.length) return null;
  return 'OAuth installs (SLACK_CLIENT_ID) with OPENCX_API_KEY set would let any workspace that installs the app read your OpenCX organisation: set ALLOWED_TEAM_IDS to the workspaces (T…) or Enterprise Grid orgs (E…) that may use it';
}
export type SlackSettingsInput = z.input<typeof SlackSettingsSchema>;
