import type { Exchange, NetErrorKind } from '../../src/net/record.js';
import type { DiagnosisInput } from '../../src/pipeline/input.js';
import type { Evidence } from '../../src/pipeline/probe.js';
import { BASELINE_ID, BASELINE_LABEL } from '../../src/pipeline/baseline.js';
import { conclude } from '../../src/pipeline/run.js';
import { defaultChecks } from '../../src/registry.js';
import { dnsProbe, type DnsEvidence } from '../../src/probes/dns.js';
import { tlsProbe, type TlsEvidence } from '../../src/probes/tls.js';
import { requestProbe } from '../../src/probes/request.js';
import { headerBlockingProbe, headerEvidence } from '../../src/probes/header-blocking.js';
import { authEvidence, authProbe, authVariants } from '../../src/probes/auth.js';
import { rateEvidence, rateLimitProbe } from '../../src/probes/rate-limit.js';
import { findHeader } from '../../src/pipeline/opencx-request.js';

/**
 * An exchange as net/exchange.ts records it (secrets already described by their shape), for feeding assess() and
 * conclude() without a network. Defaults: a GET to https://api.example.com/orders/1 over TLS 1.3.
 */
export interface RecordedSpec {
  label?: string;
  method?: string;
  url?: string;
  requestHeaders?: Record<string, string>;
  bodyBytes?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  contentType?: string | null;
  error?: { kind: NetErrorKind; code?: string | null; message?: string };
  /** Whether the TLS handshake finished (default: true unless the error is dns/refused/connect-timeout/tls/blocked). */
  tls?: boolean;
  totalMs?: number;
}

export function recorded(spec: RecordedSpec): Exchange {
  const kind = spec.error?.kind;
  const tlsDone = spec.tls ?? !(kind && ['dns', 'refused', 'connect-timeout', 'tls', 'blocked'].includes(kind));
  const headers = { ...(spec.headers ?? {}) };
  const contentType = spec.contentType === undefined ? (headers['content-type'] ?? null) : spec.contentType;
  if (contentType && !headers['content-type']) headers['content-type'] = contentType;
  const body = spec.body ?? '';
  return {
    label: spec.label ?? BASELINE_LABEL,
    request: {
      method: spec.method ?? 'GET',
      url: spec.url ?? 'https://api.example.com/orders/1',
      headers: { 'user-agent': 'OpenCX', ...(spec.requestHeaders ?? {}) },
      ...(spec.bodyBytes !== undefined ? { bodyBytes: spec.bodyBytes } : {}),
    },
    address: kind === 'dns' ? null : '93.184.215.14',
    response:
      spec.status === undefined
        ? null
        : { status: spec.status, headers, contentType, bodyBytes: Buffer.byteLength(body), bodyTruncated: false, bodySample: body },
    error: spec.error ? { kind: spec.error.kind, code: spec.error.code ?? null, message: spec.error.message ?? spec.error.kind } : null,
    tls: tlsDone
      ? { protocol: 'TLSv1.3', authorized: true, error: null, subject: 'CN=api.example.com', issuer: 'CN=Test CA', validFrom: null, validTo: null, chainLength: 2 }
      : null,
    timings: { dnsMs: 1, connectMs: kind === 'refused' || kind === 'dns' ? null : 2, tlsMs: tlsDone ? 3 : null, ttfbMs: spec.status !== undefined ? 10 : null, totalMs: spec.totalMs ?? 12 },
  };
}

export interface RecordedRun {
  /** The call as OpenCX sends it. */
  baseline: Exchange;
  /** Without the x-opencx-* headers (default: the same answer as the baseline). */
  withoutContext?: Exchange;
  /** Without them and with a browser User-Agent (default: the same as withoutContext). */
  browserUa?: Exchange;
  /** Answers to the Authorization variants, in authVariants() order (default: the baseline's answer). */
  authVariants?: Exchange[];
  burst?: Exchange[];
}

/** The endpoint probes and every default check, concluded over recorded exchanges: the verdict a run would give. */
export function judgeRecorded(input: DiagnosisInput, run: RecordedRun) {
  const relabel = (e: Exchange, label: string): Exchange => ({ ...e, label });
  const b = run.baseline;
  const noCtx = relabel(run.withoutContext ?? b, 'without x-opencx-* headers');
  const browser = relabel(run.browserUa ?? run.withoutContext ?? b, 'without x-opencx-* headers, browser User-Agent');
  const saved = findHeader(input, 'authorization') ?? null;
  const variants = saved ? authVariants(saved.reveal()) : [];
  const auth = saved
    ? authEvidence(saved, [
        { label: 'Authorization as saved', shape: saved.describe(), exchange: b },
        ...variants.map((v, i) => ({ label: v.label, shape: v.value.describe(), exchange: relabel(run.authVariants?.[i] ?? b, v.label) })),
      ])
    : authEvidence(null, [{ label: 'no Authorization', shape: '(none)', exchange: b }]);
  const dns: DnsEvidence = { exchanges: [], host: 'api.example.com', addresses: ['93.184.215.14'], error: null, allowPrivate: false, facts: {} };
  const tls: TlsEvidence = { exchanges: [], modern: { address: '93.184.215.14', tcpConnected: true, tls: b.tls ?? recorded({ status: 200 }).tls, error: null, ms: 3 }, legacy: null };
  const evidence = new Map<string, Evidence>([
    [BASELINE_ID, { exchanges: [b] }],
    ['dns', dns],
    ['tls', tls],
    ['request', { exchanges: [b] }],
    ['header-blocking', headerEvidence(b, noCtx, browser)],
    ['auth', auth],
    ['rate-limit', rateEvidence(b, (run.burst ?? []).map((e, i, all) => relabel(e, `burst ${i + 1}/${all.length}`)))],
  ]);
  const probes = [dnsProbe, tlsProbe, requestProbe, headerBlockingProbe, authProbe, rateLimitProbe];
  const probeFindings = probes.flatMap((p) => (p.assess as (e: Evidence, i: DiagnosisInput) => ReturnType<typeof p.assess>)(evidence.get(p.id)!, input));
  return conclude({ input, probes, checks: defaultChecks, evidence, probeFindings, notChecked: [] });
}
