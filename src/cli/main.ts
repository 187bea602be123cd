import { InputError, parseDiagnosisInput } from '../pipeline/input.js';
import { runDiagnosis, errorLine } from '../pipeline/run.js';
import { catalogue, catalogueMarkdown } from '../pipeline/catalogue.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { progressLine, renderText } from '../render/text.js';
import { renderJson, reportJsonSchema } from '../render/json.js';
import { DIAGNOSE_USAGE, parseDiagnoseArgs } from './diagnose-args.js';
import { runSpecCommand } from './spec-command.js';
import { runTicketCommand } from './ticket-command.js';
import { opencxServicesFromEnv } from '../opencx/services.js';
import { resolveFromOpenCx } from '../opencx/resolve-input.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `action-debug: why is an OpenCX AI action failing?

Usage:
  action-debug diagnose --endpoint <https-url> [--method M] [--action NAME] [--session ID] [--header "Name: v"] [--json]
  action-debug spec <file|url> [--fix out.yaml] [--json] [--profile openai-strict|gemini|anthropic]
                                      check an OpenAPI spec before importing it into OpenCX
  action-debug ticket <N> [--markdown|--json]
                                      a support ticket opened from Slack, ready to paste into a form or email
  action-debug catalogue [--json]     every cause the diagnosis can name, with its family and fix
  action-debug schema                 the JSON Schema of \`diagnose --json\`
  action-debug help [command]

Run \`action-debug diagnose --help\` for every option.`;

type Command = (argv: string[], io: Io) => Promise<number>;

const commands: Record<string, Command> = {
  diagnose,
  spec: runSpecCommand,
  ticket: runTicketCommand,
  catalogue: async (argv, io) => {
    const causes = catalogue();
    io.stdout.write(argv.includes('--json') ? JSON.stringify(causes, null, 2) + '\n' : catalogueMarkdown(causes) + '\n');
    return 0;
  },
  schema: async (_argv, io) => {
    io.stdout.write(JSON.stringify(reportJsonSchema(), null, 2) + '\n');
    return 0;
  },
};

/** Exit codes: 0 no problem found, 1 problems found, 2 bad usage. Never a stack trace for a user mistake. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    if (rest[0] === 'diagnose') io.stdout.write(DIAGNOSE_USAGE + '\n');
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

async function diagnose(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseDiagnoseArgs(argv);
    if (parsed.flags.help) {
      io.stdout.write(DIAGNOSE_USAGE + '\n');
      return 0;
    }
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr.write(`action-debug diagnose: ${err.message}\nRun \`action-debug diagnose --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
  const { flags } = parsed;
  let { draft } = parsed;
  const services = opencxServicesFromEnv(io.env);
  let input;
  let net;
  try {
    if (!draft.endpoint && !services.opencx) throw new InputError('missing --endpoint <https-url> (or set OPENCX_API_KEY and give --action and --session to use the saved endpoint)');
    draft = await resolveFromOpenCx(draft, services.opencx);
    if (!draft.endpoint) throw new InputError(`missing --endpoint: no saved endpoint found for action "${draft.action ?? ''}"`);
    input = parseDiagnosisInput(draft);
    net = netOptionsFromEnv(io.env, { allowPrivate: flags['allow-private'], hosts: flags.resolve.join(';'), caFiles: flags.ca });
  } catch (err) {
    io.stderr.write(`action-debug diagnose: ${errorLine(err)}\n`);
    return 2;
  }
  if (input.burst > 0 && net.allowPrivate === false && !flags['confirm-owner']) {
    io.stderr.write('action-debug diagnose: --burst sends several calls in a row: add --confirm-owner to confirm you own this endpoint\n');
    return 2;
  }
  if (!flags.quiet) io.stderr.write(`Diagnosing ${input.method} ${new URL(input.endpoint).host}…\n`);
  const report = await runDiagnosis(input, {
    net,
    services,
    onEvent: (e) => {
      if (!flags.quiet && e.type === 'probe-finished') io.stderr.write(progressLine(e.probe) + '\n');
    },
  });
  await services.opencx?.client.close();
  io.stdout.write(flags.json ? renderJson(report) : renderText(report, { details: flags.details }));
  return report.verdict.family === null ? 0 : 1;
}

// Run when executed directly (tsx src/cli/main.ts …); the bin shim imports main() instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
