import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../store/sqlite-store.js';
import { StoreSettingsSchema } from '../store/settings.js';
import { ticketMarkdown, TicketSchema } from '../render/ticket.js';
import type { Io } from './io.js';

const USAGE = 'Usage: action-debug ticket <number> [--markdown | --json]   (reads DATABASE_PATH, default ./data/action-debug.db)';

/** Prints a stored ticket, ready to paste into a support form or an email (Markdown, the default) or as JSON. */
export async function runTicketCommand(argv: string[], io: Io): Promise<number> {
  let values: { markdown?: boolean; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { markdown: { type: 'boolean' }, json: { type: 'boolean' } } }));
  } catch (err) {
    io.stderr.write(`action-debug ticket: ${(err as Error).message.split('\n')[0]}\n${USAGE}\n`);
    return 2;
  }
  const n = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(n) || n < 1) {
    io.stderr.write(`action-debug ticket: give a ticket number\n${USAGE}\n`);
    return 2;
  }
  const path = StoreSettingsSchema.parse(io.env).DATABASE_PATH;
  if (!existsSync(path)) {
    io.stderr.write(`action-debug ticket: no database at ${path} (set DATABASE_PATH)\n`);
    return 2;
  }
  const store = new SqliteStore(path, { readonly: true });
  try {
    const t = await store.ticket(n);
    if (!t) {
      io.stderr.write(`action-debug ticket: there is no ticket #${n}\n`);
      return 2;
    }
    io.stdout.write(values.json ? JSON.stringify(TicketSchema.parse(t), null, 2) + '\n' : ticketMarkdown(t));
    return 0;
  } finally {
    await store.close();
  }
}
