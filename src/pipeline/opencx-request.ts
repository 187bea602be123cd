import type { DiagnosisInput, EndpointInput } from './input.js';
import type { Secret } from '../core/secret.js';
import type { ExchangeRequest, HeaderValue } from '../net/exchange.js';

/** What every OpenCX action call carries (docs: Execution, Authentication). */
export const OPENCX_USER_AGENT = 'OpenCX';
/** A browser's User-Agent, to tell a User-Agent rule from a header rule. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

/** Placeholder context headers, as the dashboard's Test button sends them (their exact values are not published). */
export function contextHeaders(input: DiagnosisInput): [string, string][] {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return [
    ['x-opencx-org-id', '00000000-0000-4000-8000-000000000000'],
    ['x-opencx-session-id', input.session && uuid.test(input.session) ? input.session : '00000000-0000-4000-8000-000000000001'],
    ['x-opencx-ticket-number', '1'],
    ['x-opencx-external-user-id', 'action-debug-probe'],
  ];
}

/** Fills `{name}` placeholders the way the AI would: with the given value or a plausible sample. */
export function fillPath(endpoint: string, params: Record<string, string>): string {
  return endpoint.replace(/\{([^}/]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? sampleFor(name)));
}

function sampleFor(name: string): string {
  if (/uuid|guid/i.test(name)) return '00000000-0000-4000-8000-000000000042';
  if (/mail/i.test(name)) return 'probe@example.com';
  if (/slug|name|code|key/i.test(name)) return 'sample';
  return '1';
}

/**
 * The value of a credential header (Authorization…) the user gave: a Secret, as input parsing makes every credential
 * header's value (pipeline/input.ts HeaderSchema). A public header's plain value is not a credential: undefined.
 */
export function findHeader(input: DiagnosisInput, name: string): Secret | undefined {
  const v = input.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
  return typeof v === 'string' ? undefined : v;
}

export interface CallVariant {
  label: string;
  /** Send the x-opencx-* context headers (default true). */
  context?: boolean;
  userAgent?: string;
  /** Replace the Authorization value (null = leave it out). */
  authorization?: HeaderValue | null;
  method?: string;
}

/** The request OpenCX would send for this action, or a variant of it that changes one thing. */
export function actionCall(input: EndpointInput, variant: CallVariant): ExchangeRequest {
  const headers: [string, HeaderValue][] = [['user-agent', variant.userAgent ?? OPENCX_USER_AGENT]];
  if (variant.context !== false) headers.push(...contextHeaders(input));
  for (const h of input.headers) {
    const lower = h.name.toLowerCase();
    if (lower === 'user-agent') continue;
    if (lower === 'authorization' && variant.authorization !== undefined) continue;
    headers.push([h.name, h.value]);
  }
  if (variant.authorization) headers.push(['Authorization', variant.authorization]);
  let body: string | FormData | undefined;
  if (input.body?.kind === 'json') {
    body = input.body.text;
    if (!input.headers.some((h) => h.name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  } else if (input.body?.kind === 'multipart') {
    const form = new FormData();
    for (const [k, v] of input.body.fields) form.append(k, v);
    body = form;
  }
  return {
    label: variant.label,
    method: variant.method ?? input.method,
    url: fillPath(input.endpoint, input.pathParams),
    headers,
    ...(body !== undefined ? { body } : {}),
    timeoutMs: input.timeoutMs,
  };
}
