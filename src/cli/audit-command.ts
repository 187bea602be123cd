import { parseArgs } from 'node:util';
import * as z from 'zod';
import { InputError } from '../pipeline/input.js';
import { errorLine } from '../core/error-line.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { opencxServicesFromEnv } from '../opencx/services.js';
import { diagnose } from '../registry.js';
import { runAudit } from '../audit/run-audit.js';
import { AuditSettingsSchema } from '../audit/settings.js';
import { auditProgressLine, renderAuditText } from '../render/audit-text.js';
import { renderAuditJson } from '../render/audit-json.js';
import type { Io } from './io.js';

export const AUDIT_USAGE = `Usage: action-debug audit [options]      (needs OPENCX_API_KEY)

Lists every action of the OpenCX organisation and diagnoses each one against its saved endpoint and method
(at most 2 requests in flight per host, never a burst). Actions whose endpoint answers 401/403 without
credentials are "needs credentials to check": OpenCX does not share saved header values.

  --json                 print { actions: [{ id, name, endpoint, method, verdict: { family, cause } }], summary }
  --quiet                no progress lines on stderr
  --timeout SECONDS      each call's timeout (default OpenCX's 60 s)
  --allow-private        let probes reach loopback/private addresses (lab and tests only)
  --resolve name=addr    answer a host name without DNS (like /etc/hosts); repeatable
  --ca FILE              trust this extra CA certificate

Settings: AUDIT_CONCURRENCY, AUDIT_PER_HOST, AUDIT_MAX_SECONDS.
Exit code: 0 nothing broken, 1 at least one action broken, 2 bad usage or OpenCX unreadable.`;

const FlagsSchema = z.object({
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  timeout: z.string().regex(/^\d+(\.\d+)?$/, '--timeout takes a number of seconds').optional(),
  'allow-private': z.boolean().default(false),
  resolve: z.array(z.string()).default([]),
  ca: z.array(z.string()).default([]),
  help: z.boolean().default(false),
});

/** `action-debug audit`: exit 0 nothing broken, 1 something broken, 2 bad usage. */
export async function audit(argv: string[], io: Io): Promise<number> {
  let flags: z.infer<typeof FlagsSchema>;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' }, quiet: { type: 'boolean' }, timeout: { type: 'string' }, 'allow-private': { type: 'boolean' },
        resolve: { type: 'string', multiple: true }, ca: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
      },
    });
    const parsed = FlagsSchema.safeParse(values);
    if (!parsed.success) throw new InputError(parsed.error.issues[0]!.message);
    flags = parsed.data;
  } catch (err) {
    io.stderr.write(`action-debug audit: ${errorLine(err)}\nRun \`action-debug audit --help\` for usage.\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(AUDIT_USAGE + '\n');
    return 0;
  }
  const services = opencxServicesFromEnv(io.env);
  if (!services.opencx) {
    io.stderr.write('action-debug audit: set OPENCX_API_KEY: the audit lists the actions through the OpenCX API\n');
    return 2;
  }
  try {
    const settings = AuditSettingsSchema.parse(io.env);
    const net = netOptionsFromEnv(io.env, { allowPrivate: flags['allow-private'], hosts: flags.resolve.join(';'), caFiles: flags.ca });
    const timeoutS = flags.timeout ? Number(flags.timeout) : undefined;
    if (timeoutS !== undefined && (timeoutS < 0.1 || timeoutS > 60)) throw new InputError('--timeout must be between 0.1 and 60 seconds');
    if (!flags.quiet) io.stderr.write('Listing actions…\n');
    const result = await runAudit({
      facts: services.opencx,
      diagnose,
      net,
      perHost: settings.AUDIT_PER_HOST,
      concurrency: settings.AUDIT_CONCURRENCY,
      maxDurationMs: settings.AUDIT_MAX_SECONDS * 1000,
      ...(timeoutS ? { timeoutMs: Math.round(timeoutS * 1000) } : {}),
      onEvent: (e) => {
        if (flags.quiet) return;
        if (e.type === 'listed') io.stderr.write(`Auditing ${e.total} actions…\n`);
        if (e.type === 'action-finished') io.stderr.write(auditProgressLine(e.action, e.summary) + '\n');
      },
    });
    io.stdout.write(flags.json ? renderAuditJson(result.actions, result.summary) : renderAuditText(result.actions, result.summary));
    return result.summary.broken > 0 ? 1 : 0;
  } catch (err) {
    io.stderr.write(`action-debug audit: ${errorLine(err)}\n`);
    return 2;
  } finally {
    await services.opencx.client.close();
  }
}
