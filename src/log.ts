import { pino, type Logger } from 'pino';
import { redactDeep, redactText } from './core/redact.js';

export type { Logger };

/**
 * Structured logs: one JSON line per event on stderr, with a request id (`rid`) that links the Slack request, the
 * diagnosis and the ticket. Credentials are cut by path, and every message string is scrubbed of known secrets.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'action-debug',
      level: opts.level ?? process.env['LOG_LEVEL'] ?? 'info',
      base: undefined,
      redact: {
        paths: ['*.authorization', '*.Authorization', '*.headers.authorization', '*.headers.cookie', '*.token', '*.botToken', '*.apiKey', 'headers', 'req.headers'],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          // Fields too: an error message or a URL in a log object is scrubbed like the message itself.
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : redactDeep(a))) as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    (opts.destination ?? pino.destination({ fd: 2, sync: false })) as pino.DestinationStream,
  );
}

/** A logger that writes nothing (defined without pino, so the CLI never loads pino). */
export { silentLogger } from './silent-logger.js';
