import { parseArgs } from 'node:util';
import * as z from 'zod';
import { InputError, parseHeaderArg, type DiagnosisInputDraft } from '../pipeline/input.js';

export const DIAGNOSE_USAGE = `Usage: action-debug diagnose --endpoint <https-url> [options]
       action-debug diagnose --session ID --action NAME [options]   (with OPENCX_API_KEY set)

  --endpoint URL         the action's endpoint; {placeholders} are filled with --param or a sample
                         (with OPENCX_API_KEY set, leave it out to use the action's saved endpoint; with no
                         saved endpoint either, the OpenCX checks still run and the endpoint's are skipped)
  --method M             GET (default), POST, PUT, PATCH or DELETE
  --action NAME          the action's name in OpenCX
  --session ID           a session ID where the action should have been called
  --header "Name: v"     a header OpenCX sends (a global variable); repeatable; values are never printed
  --body JSON            a JSON body (POST/PUT/PATCH)
  --form key=value       a multipart/form-data field instead of --body; repeatable
  --param name=value     a value for a {name} path placeholder; repeatable
  --spec FILE|URL        also check the OpenAPI spec the action was imported from
  --timeout SECONDS      shorter than OpenCX's 60 s, for local use (default 60)
  --burst N              send up to N (≤ 20) calls in a row to see where rate limiting starts;
                         outside the lab it needs --confirm-owner (you own or operate the endpoint)
  --confirm-owner        confirm you own the endpoint, allowing --burst against it
  --origin URL           the widget origin for the CORS preflight (default https://widget.open.cx)
  --json                 print the report as JSON (schema: action-debug schema)
  --details              print every probe's evidence
  --quiet                no progress lines on stderr
  --allow-private        let probes reach loopback/private addresses (lab and tests only;
                         or ACTION_DEBUG_ALLOW_PRIVATE=1)
  --resolve name=addr    answer a host name without DNS (like /etc/hosts); repeatable
  --ca FILE              trust this extra CA certificate (NODE_EXTRA_CA_CERTS works too)

Exit code: 0 no problem found, 1 problems found (or OpenCX unavailable with no endpoint to probe), 2 bad usage.
Example:
  action-debug diagnose --endpoint 'https://api.example.com/orders/{id}' --method GET \\
    --action "Look up order" --session ses_123 --header "Authorization: Bearer \$TOKEN"`;

export const CliFlagsSchema = z.object({
  endpoint: z.string().optional(),
  method: z.string().optional(),
  action: z.string().optional(),
  session: z.string().optional(),
  header: z.array(z.string()).default([]),
  body: z.string().optional(),
  form: z.array(z.string()).default([]),
  param: z.array(z.string()).default([]),
  spec: z.string().optional(),
  timeout: z.string().optional(),
  burst: z.string().optional(),
  origin: z.string().optional(),
  json: z.boolean().default(false),
  details: z.boolean().default(false),
  quiet: z.boolean().default(false),
  'allow-private': z.boolean().default(false),
  resolve: z.array(z.string()).default([]),
  ca: z.array(z.string()).default([]),
  help: z.boolean().default(false),
  'confirm-owner': z.boolean().default(false),
});
export type CliFlags = z.infer<typeof CliFlagsSchema>;

export interface DiagnoseArgs {
  flags: CliFlags;
  draft: DiagnosisInputDraft;
}

function keyValue(arg: string, flag: string): [string, string] {
  const i = arg.indexOf('=');
  // Not quoted: a form field or parameter given without its name may be the credential itself.
  if (i <= 0) throw new InputError(`${flag} must look like name=value (${i === 0 ? 'the name is missing' : 'no "=" in it'})`);
  return [arg.slice(0, i), arg.slice(i + 1)];
}

function number(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new InputError(`${flag} takes a number, not "${v}"`);
  return Number(v);
}

/** argv → validated flags → the pipeline's input draft. Every mistake is an InputError (one line, exit 2). */
export function parseDiagnoseArgs(argv: string[]): DiagnoseArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        endpoint: { type: 'string' }, method: { type: 'string' }, action: { type: 'string' }, session: { type: 'string' },
        header: { type: 'string', multiple: true, short: 'H' }, body: { type: 'string' }, form: { type: 'string', multiple: true },
        param: { type: 'string', multiple: true }, spec: { type: 'string' }, timeout: { type: 'string' }, burst: { type: 'string' },
        origin: { type: 'string' }, json: { type: 'boolean' }, details: { type: 'boolean' }, quiet: { type: 'boolean' },
        'allow-private': { type: 'boolean' }, resolve: { type: 'string', multiple: true }, ca: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' }, 'confirm-owner': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new InputError((err as Error).message.split('\n')[0]!.replace(/^TypeError \[\w+\]: /, ''));
  }
  if (values['help']) return { flags: { ...CliFlagsSchema.parse({ endpoint: '', ...values }) }, draft: {} };
  const parsed = CliFlagsSchema.safeParse(values);
  if (!parsed.success) throw new InputError(parsed.error.issues[0]!.message);
  const f = parsed.data;
  if (f.body !== undefined && f.form.length) throw new InputError('use --body or --form, not both');
  if (f.body !== undefined) {
    try {
      JSON.parse(f.body);
    } catch {
      throw new InputError('--body is not valid JSON (OpenCX sends JSON or multipart bodies)');
    }
  }
  const method = f.method?.toUpperCase();
  if (method !== undefined && !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
    throw new InputError(`--method ${f.method} is not supported: OpenCX sends GET, POST, PUT, PATCH or DELETE`);
  }
  const timeout = number(f.timeout, '--timeout');
  const burst = number(f.burst, '--burst');
  const draft: DiagnosisInputDraft = {
    ...(f.endpoint !== undefined ? { endpoint: f.endpoint } : {}),
    ...(method ? { method: method as 'GET' } : {}),
    headers: f.header.map(parseHeaderArg),
    ...(f.body !== undefined ? { body: { kind: 'json' as const, text: f.body } } : {}),
    ...(f.form.length ? { body: { kind: 'multipart' as const, fields: f.form.map((x) => keyValue(x, '--form')) } } : {}),
    pathParams: Object.fromEntries(f.param.map((x) => keyValue(x, '--param'))),
    ...(f.action ? { action: f.action } : {}),
    ...(f.session ? { session: f.session } : {}),
    ...(f.spec ? { spec: f.spec } : {}),
    ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}),
    ...(burst !== undefined ? { burst } : {}),
    ...(f.origin ? { widgetOrigin: f.origin } : {}),
  };
  return { flags: f, draft };
}
