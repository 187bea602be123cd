import { settingsEnv } from '../config/env.js';
import { errorLine } from '../core/error-line.js';

import { terminalSafe, type Io } from './io.js';
export type { Io };

const USAGE = `action-debug: why is an OpenCX AI action failing?

Usage:
  action-debug diagnose --endpoint <https-url> [--method M] [--action NAME] [--session ID] [--header "Name: v"] [--json]
  action-debug spec <file|url> [--fix out.yaml] [--json] [--profile openai-strict|gemini|anthropic]
                                      check an OpenAPI spec before importing it into OpenCX
  action-debug audit [--json]         diagnose every action of the OpenCX organisation (needs OPENCX_API_KEY)
  action-debug ticket <N> [--markdown|--json]
                                      a support ticket opened from Slack, ready to paste into a form or email
  action-debug catalogue [--json]     every cause the diagnosis can name, with its family and fix
  action-debug schema [audit]         the JSON Schema of \`diagnose --json\` (or of \`audit --json\`)
  action-debug help [command]

Run \`action-debug diagnose --help\` for every option.`;

type Command = (argv: string[], io: Io) => Promise<number>;

// Each command loads only what it uses: `spec` on a file needs no HTTP client, `help` needs nothing (startup is most of
// a quick run's wall time).
const commands: Record<string, Command> = {
  diagnose: async (argv, io) => (await import('./diagnose-command.js')).diagnose(argv, io),
  spec: async (argv, io) => (await import('./spec-command.js')).runSpecCommand(argv, io),
  audit: async (argv, io) => (await import('./audit-command.js')).audit(argv, io),
  ticket: async (argv, io) => (await import('./ticket-command.js')).runTicketCommand(argv, io),
  catalogue: async (argv, io) => {
    const [{ catalogue }, { catalogueMarkdown }] = await Promise.all([import('../registry.js'), import('../pipeline/catalogue.js')]);
    const causes = catalogue();
    io.stdout.write(argv.includes('--json') ? JSON.stringify(causes, null, 2) + '\n' : catalogueMarkdown(causes) + '\n');
    return 0;
  },
  schema: async (argv, io) => {
    if (argv[0] === 'audit') {
      const { auditJsonSchema } = await import('../render/audit-json.js');
      io.stdout.write(JSON.stringify(auditJsonSchema(), null, 2) + '\n');
      return 0;
    }
    const [{ reportJsonSchema }, { catalogue }] = await Promise.all([import('../render/json.js'), import('../registry.js')]);
    io.stdout.write(JSON.stringify(reportJsonSchema(catalogue().map((c) => c.id)), null, 2) + '\n');
    return 0;
  },
};

/** Exit codes: 0 no problem found, 1 problems found, 2 bad usage. Never a stack trace for a user mistake. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: settingsEnv(process.env, null) }): Promise<number> {
  const [cmd, ...rest] = argv;
  // Once, for every command: outside data (bodies, headers, spec names, OpenCX names) is shown, never run by the terminal.
  io = terminalSafe(io, rest.includes('--json'));
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    if (rest[0] === 'diagnose') io.stdout.write((await import('./diagnose-args.js')).DIAGNOSE_USAGE + '\n');
    else io.stdout.write(USAGE + '\n');
    return 0;
  }
  const run = commands[cmd];
  if (!run) {
    io.stderr.write(`action-debug: unknown command "${cmd}". Run \`action-debug help\`.\n`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    io.stderr.write(`action-debug ${cmd}: ${errorLine(err)}\n`);
    return 2;
  }
}

// Run when executed directly (tsx src/cli/main.ts …); the bin shim imports main() instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
