import * as z from 'zod';

/** How a request failed before a full response, named the way a user can act on it. */
export const NetErrorKindSchema = z.enum([
  'dns', // no address for the host
  'blocked', // the SSRF guard refused the address
  'refused', // TCP connection refused
  'reset', // connection reset or closed mid-exchange
  'connect-timeout', // no TCP/TLS connection within the limit
  'timeout', // connected, but no complete response within the limit (OpenCX: 408)
  'tls', // handshake or certificate failure
  'too-large', // body over the cap (we stopped reading)
  'other',
]);
export type NetErrorKind = z.infer<typeof NetErrorKindSchema>;

export const TlsFactsSchema = z.object({
  protocol: z.string().nullable(),
  authorized: z.boolean(),
  /** OpenSSL/Node code, e.g. CERT_HAS_EXPIRED, or ERR_TLS_CERT_ALTNAME_INVALID from our own host check. */
  error: z.string().nullable(),
  subject: z.string().nullable(),
  issuer: z.string().nullable(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  /** Certificates the server sent, leaf first. */
  chainLength: z.number().int(),
});
export type TlsFacts = z.infer<typeof TlsFactsSchema>;

export const TimingsSchema = z.object({
  dnsMs: z.number().nullable(),
  connectMs: z.number().nullable(),
  tlsMs: z.number().nullable(),
  ttfbMs: z.number().nullable(),
  totalMs: z.number(),
});

/** One request a probe sent and what came back. Header values that may be secrets are already redacted. */
export const ExchangeSchema = z.object({
  label: z.string().describe('Why this request was sent, e.g. "as OpenCX sends it"'),
  request: z.object({
    method: z.string(),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    bodyBytes: z.number().int().optional(),
  }),
  address: z.string().nullable().describe('The IP address connected to'),
  response: z
    .object({
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      contentType: z.string().nullable(),
      bodyBytes: z.number().int(),
      bodyTruncated: z.boolean(),
      /** The first characters of the body (text), for evidence and fingerprints. */
      bodySample: z.string(),
    })
    .nullable(),
  error: z.object({ kind: NetErrorKindSchema, code: z.string().nullable(), message: z.string() }).nullable(),
  tls: TlsFactsSchema.nullable(),
  timings: TimingsSchema,
});
export type Exchange = z.infer<typeof ExchangeSchema>;
