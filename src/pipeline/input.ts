import * as z from 'zod';
import { isCredentialHeader, looksLikeSecretValue, redactText } from '../core/redact.js';
import { InputError } from '../core/input-error.js';
export { InputError };
import { Secret } from '../core/secret.js';
import { rememberUrlSecrets } from '../core/redact.js';
import { endpointKey } from './endpoint-key.js';

/** What OpenCX itself can send (troubleshooting page, Limits Recap). */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const MethodSchema = z.enum(METHODS);
export type Method = z.infer<typeof MethodSchema>;

export const OPENCX_TIMEOUT_MS = 60_000;
export const MAX_BURST = 20;

const HeaderNameSchema = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'is not a valid HTTP header name');

/**
 * A header as typed. A credential header's value (core/redact.ts isCredentialHeader) becomes a Secret here, where it
 * enters, so it prints as [redacted] and its echoes are scrubbed; any other value (Content-Type, Accept, X-Tenant) stays
 * a string, shown as typed and never remembered (scrubbing "application/json" from every body helps nobody).
 */
export const HeaderSchema = z
  .object({ name: HeaderNameSchema, value: z.union([z.instanceof(Secret), z.string()]) })
  .transform((h) => (typeof h.value === 'string' && isCredentialHeader(h.name, h.value) ? { name: h.name, value: new Secret(h.value) } : h));
export type Header = z.infer<typeof HeaderSchema>;

/**
 * Why a typed endpoint is not a URL, quoting only what cannot hold a credential: the scheme, a host name and a numeric
 * port. Never the text itself: its userinfo, path, query or fragment may carry a key (`?api_key=…`), and an error is
 * shown in the terminal, in Slack and in an audit's title.
 */
function whyNotUrl(raw: string): string {
  const m = /^([a-z][\w+.-]*):\/\/([^/?#]*)/i.exec(raw);
  if (!m) return /^[a-z][\w+.-]*:/i.test(raw) ? 'not a URL: nothing after the scheme looks like //host' : 'not a URL: it does not start with https://';
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!.slice(m[2]!.lastIndexOf('@') + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/s.exec(authority)!;
  const host = hp[1]!;
  const port = hp[2];
  const nameable = /^([a-z0-9-]+\.)*[a-z0-9-]+\.?$|^\[[0-9a-f:.]+\]$/i.test(host) && host.length <= 253 && !looksLikeSecretValue(host);
  const at = nameable ? ` ${scheme}://${host}` : '';
  if (!host) return `not a URL: the host is missing after ${scheme}://`;
  if (!nameable) return `not a URL: the host is not a valid host name`;
  if (port !== undefined && !/^\d*$/.test(port)) return `not a URL: after${at}, what follows the colon is not a port number`;
  if (port !== undefined && Number(port) > 65535) return `not a URL: the port ${Number(port)} of${at} is out of range (0-65535)`;
  return `not a URL:${at}/… does not parse`;
}

export const EndpointSchema = z
  .string()
  .trim()
  .min(1, 'the endpoint is missing')
  .superRefine((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${whyNotUrl(raw)} (expected https://host/path)` });
      return;
    }
    if (url.protocol === 'http:') {
      ctx.addIssue({ code: 'custom', message: 'OpenCX calls HTTPS endpoints only: use https:// (http:// is never called)' });
    } else if (url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `the endpoint must be an https:// URL, not ${url.protocol}` });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'put credentials in a header, not in the URL' });
    }
  });

export const BodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json'), text: z.string() }),
  z.object({ kind: z.literal('multipart'), fields: z.array(z.tuple([z.string(), z.string()])) }),
]);
export type Body = z.infer<typeof BodySchema>;

export const DiagnosisInputSchema = z.object({
  /**
   * Absent when nobody knows it: with OpenCX configured, a session and an action name are enough to diagnose family 4
   * (a missing action, its channel, segments, description); the endpoint probes then say "no endpoint known".
   */
  endpoint: EndpointSchema.optional(),
  method: MethodSchema.default('GET'),
  headers: z.array(HeaderSchema).default([]),
  body: BodySchema.optional(),
  /** Values for `{name}` placeholders in the path; missing ones get a sample. */
  pathParams: z.record(z.string(), z.string()).default({}),
  action: z.string().trim().min(1).optional(),
  session: z.string().trim().min(1).optional(),
  /** An OpenAPI file path or https URL to check along with the endpoint (family 1). */
  spec: z.string().min(1).optional(),
  /** OpenCX's limit is 60 s; shorter only for local use. */
  timeoutMs: z.number().int().min(100).max(OPENCX_TIMEOUT_MS).default(OPENCX_TIMEOUT_MS),
  /** Sequential requests to see where rate-limit denials start (0 = off). */
  burst: z.number().int().min(0).max(MAX_BURST).default(0),
  /** The browser origin used for the widget-path CORS preflight. */
  widgetOrigin: z.url().default('https://widget.open.cx'),
});
export type DiagnosisInput = z.infer<typeof DiagnosisInputSchema>;
/** The input of a diagnosis whose endpoint is known: what every probe of the endpoint reads. */
export type EndpointInput = DiagnosisInput & { endpoint: string };
/**
 * What a diagnosis is about, as one key (limits, "already running"): the endpoint in its canonical form (endpointKey:
 * one key for every spelling of it, the query not part of it), or the action when none is known. A key only: what users
 * see is the endpoint as given.
 */
export function diagnosisTarget(input: Pick<DiagnosisInput, 'endpoint' | 'action'>): string {
  return input.endpoint ? endpointKey(input.endpoint) : `action:${input.action ?? ''}`;
}
export function hasEndpoint(input: DiagnosisInput): input is EndpointInput {
  return typeof input.endpoint === 'string' && input.endpoint.length > 0;
}
export type DiagnosisInputDraft = z.input<typeof DiagnosisInputSchema>;

/** Parses `Name: value` the way curl's -H does. */
export function parseHeaderArg(arg: string): Header {
  const i = arg.indexOf(':');
  if (i <= 0) {
    // Show at most what looks like a header name: the rest may be the credential itself.
    const name = /\s/.test(arg.trim()) ? headerNameShown(arg) : undefined;
    throw new InputError(`${name ? `header "${name} …"` : 'a --header value'} has no colon: use "Name: value"`);
  }
  const name = arg.slice(0, i).trim();
  const value = arg.slice(i + 1).trim();
  const parsed = HeaderSchema.safeParse({ name, value });
  if (!parsed.success) {
    const shown = headerNameShown(name);
    throw new InputError(`${shown ? `header name "${shown}${shown === name ? '' : ' …'}"` : 'a header name'} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

/**
 * At most the part of a header argument before its first space, and only if it looks like a header name (not like a
 * credential): `Authorization Basic admin:pw` shows as `Authorization`, never what follows.
 */
function headerNameShown(text: string): string | undefined {
  const first = /^[^\s:]{1,40}(?=[\s:]|$)/.exec(text.trim())?.[0];
  return first && /^[A-Za-z][\w-]*$/.test(first) && !looksLikeSecretValue(first) && redactText(first) === first ? first : undefined;
}

/** A problem with what the user typed: shown as one line, exit code 2, never a stack trace. */

/** Given an endpoint, the input is an EndpointInput (validation never drops it); without one, it may have none. */
export function parseDiagnosisInput(draft: DiagnosisInputDraft & { endpoint: string }): EndpointInput;
export function parseDiagnosisInput(draft: DiagnosisInputDraft): DiagnosisInput;
export function parseDiagnosisInput(draft: DiagnosisInputDraft): DiagnosisInput {
  const r = DiagnosisInputSchema.safeParse(draft);
  if (r.success) {
    // Credentials in a URL become secrets here, where they enter, not at each renderer.
    if (r.data.endpoint) rememberUrlSecrets(r.data.endpoint);
    if (r.data.spec) rememberUrlSecrets(r.data.spec);
    return r.data;
  }
  // A URL that does not parse may still carry credentials: remember them, so no later text can echo them.
  if (typeof draft.endpoint === 'string') rememberUrlSecrets(draft.endpoint);
  if (typeof draft.spec === 'string') rememberUrlSecrets(draft.spec);
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new InputError(field ? `${field}: ${issue.message}` : issue.message);
}
