// First: zod's JIT off before any module below builds its schemas (see there).
import './zod-jitless.js';
import { InputError } from '../core/input-error.js';
import { OwnerConfirmationNeeded, prepareInput } from '../pipeline/prepare-input.js';
import { diagnose as runRegisteredDiagnosis } from '../registry.js';
import { errorLine } from '../core/error-line.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { progressLine, renderText } from '../render/text.js';
import { DIAGNOSE_USAGE, parseDiagnoseArgs } from './diagnose-args.js';
import { opencxServicesFromEnv } from '../opencx/services.js';
import { isProblem } from '../pipeline/verdict.js';
import type { Io } from './io.js';

/** `action-debug diagnose`: exit 0 no problem found, 1 problems found, 2 bad usage. */
export async function diagnose(argv: string[], io: Io): Promise<number> {
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
  const { draft } = parsed;
  const services = opencxServicesFromEnv(io.env);
  let input;
  let net;
  try {
    if (!draft.endpoint && !services.opencx) throw new InputError('missing --endpoint <https-url> (or set OPENCX_API_KEY and give --action and --session to use the saved endpoint)');
    net = netOptionsFromEnv(io.env, { allowPrivate: flags['allow-private'], hosts: flags.resolve.join(';'), caFiles: flags.ca });
    input = await prepareInput(draft, { opencx: services.opencx, ownerConfirmed: flags['confirm-owner'], net });
  } catch (err) {
    const line = err instanceof OwnerConfirmationNeeded ? '--burst sends several calls in a row: add --confirm-owner to confirm you own this endpoint' : errorLine(err);
    io.stderr.write(`action-debug diagnose: ${line}\n`);
    return 2;
  }
  if (!flags.quiet) io.stderr.write(`Diagnosing ${input.endpoint ? `${input.method} ${new URL(input.endpoint).host}` : `"${input.action ?? ''}" (no endpoint known)`}…\n`);
  const report = await runRegisteredDiagnosis(input, {
    net,
    services,
    onEvent: (e) => {
      if (!flags.quiet && e.type === 'probe-finished') io.stderr.write(progressLine(e.probe) + '\n');
    },
  });
  await services.opencx?.client.close();
  // The report's zod schema (render/json.ts, pipeline/report.ts) is built only for --json, the one output it checks.
  io.stdout.write(flags.json ? (await import('../render/json.js')).renderJson(report) : renderText(report, { details: flags.details }));
  return isProblem(report.verdict) ? 1 : 0;
}

