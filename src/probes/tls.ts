import type { TlsFacts } from '../net/record.js';
import { defineCause, finding, type Cause, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { handshake, type HandshakeResult } from '../net/handshake.js';

const ID = 'tls';
const SOON_DAYS = 14;

const tlsCause = (id: string, title: string, meaning: string, fix: string, rank = 80): Cause =>
  defineCause({ id, family: 3, severity: 'error', rank, title, meaning, fix, followUps: ['tls', 'cors'] });

export const causes = {
  expired: tlsCause('tls-expired', 'The TLS certificate has expired',
    'OpenCX refuses the connection; the AI gets "Something went wrong".', 'Renew the certificate (and automate renewal).'),
  notYetValid: tlsCause('tls-not-yet-valid', 'The TLS certificate is not valid yet',
    'Its validity starts in the future (or the server clock is wrong); clients refuse it.', 'Install a certificate that is valid now, and check the server clock.'),
  wrongHost: tlsCause('tls-wrong-host', 'The TLS certificate is for another host name',
    'The certificate does not name the endpoint host; clients refuse it.', 'Serve a certificate whose names (SAN) include this host, or use the host the certificate is for.'),
  incompleteChain: tlsCause('tls-incomplete-chain', 'The server does not send its intermediate certificate',
    'Browsers often repair a missing intermediate by themselves; OpenCX (Node/OpenSSL) does not, so "it works in my browser" yet the call fails.',
    'Configure the server to send the full chain (leaf + intermediates), e.g. fullchain.pem instead of cert.pem.'),
  selfSigned: tlsCause('tls-self-signed', 'The TLS certificate is self-signed',
    'No public authority vouches for it, so OpenCX refuses the connection.', 'Use a certificate from a public CA (e.g. Let\'s Encrypt).'),
  untrusted: tlsCause('tls-untrusted', 'The TLS certificate is not trusted',
    'The chain does not lead to a public root (a private CA, or a broken chain).', 'Use a certificate from a public CA and send the full chain.'),
  oldProtocol: tlsCause('tls-old-protocol', 'The server only speaks TLS 1.0/1.1',
    'Modern clients, OpenCX included, require TLS 1.2 or newer.', 'Enable TLS 1.2 and 1.3 on the server (and turn off 1.0/1.1).'),
  handshakeTimeout: tlsCause('tls-handshake-timeout', 'The TLS handshake never completes',
    'TCP connects but the server (or a middlebox) never answers the TLS hello: the call times out with 408.',
    'Check what listens on this port (is it HTTPS?) and any firewall or proxy that holds connections from unknown IPs.', 70),
  handshakeFailed: tlsCause('tls-handshake-failed', 'The TLS handshake fails',
    'The server rejects the connection during the handshake; the AI gets "Something went wrong".', 'Check the server\'s TLS configuration (protocols, ciphers, certificate).', 65),
  expiresSoon: defineCause({
    id: 'tls-expires-soon', family: 3, severity: 'warning', rank: 15, followUps: ['tls', 'cors'],
    title: 'The TLS certificate expires soon',
    meaning: `Fewer than ${SOON_DAYS} days left: the action will start failing when it expires.`,
    fix: 'Renew the certificate now, and automate renewal.',
  }),
};

const BY_CODE: Record<string, Cause> = {
  CERT_HAS_EXPIRED: causes.expired,
  CERT_NOT_YET_VALID: causes.notYetValid,
  ERR_TLS_CERT_ALTNAME_INVALID: causes.wrongHost,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: causes.incompleteChain,
  DEPTH_ZERO_SELF_SIGNED_CERT: causes.selfSigned,
  SELF_SIGNED_CERT_IN_CHAIN: causes.untrusted,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: causes.untrusted,
  UNABLE_TO_GET_ISSUER_CERT: causes.untrusted,
};

export interface TlsEvidence extends Evidence {
  modern: HandshakeResult;
  /** A second try allowing TLS 1.0/1.1, only when the modern handshake failed on the protocol. */
  legacy: HandshakeResult | null;
  /** The TLS facts of the baseline call, which made its own handshake: a second opinion when ours times out. */
  baselineTls?: TlsFacts | null;
}

const PROTOCOL_ERRORS = /UNSUPPORTED_PROTOCOL|VERSION|NO_PROTOCOLS|WRONG_VERSION|ALERT_PROTOCOL/i;

export const tlsProbe: Probe<TlsEvidence> = {
  id: ID,
  title: 'TLS certificate and protocol',
  recheckLabel: 'Re-check the certificate',
  causes: Object.values(causes),
  async gather(ctx) {
    const url = new URL(ctx.input.endpoint);
    const [modern, baselineTls] = await Promise.all([
      handshake(url, ctx.net, ctx.input.timeoutMs),
      ctx.baseline.then((b) => b.tls, () => null),
    ]);
    let legacy: HandshakeResult | null = null;
    if (modern.error && PROTOCOL_ERRORS.test(`${modern.error.code} ${modern.error.message}`)) {
      legacy = await handshake(url, ctx.net, ctx.input.timeoutMs, { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    }
    const t = modern.tls ?? legacy?.tls;
    return {
      exchanges: [],
      modern,
      legacy,
      baselineTls,
      facts: {
        protocol: t?.protocol ?? null,
        subject: t?.subject ?? null,
        issuer: t?.issuer ?? null,
        'valid to': t?.validTo ?? null,
        'chain sent': t?.chainLength ?? null,
        'certificate error': t?.error ?? null,
        'handshake error': modern.error ? `${modern.error.code ?? ''} ${modern.error.message}`.trim() : null,
      },
    };
  },
  assess(ev): Finding[] {
    const { legacy } = ev;
    // Our handshake timed out but the baseline's completed: a slow moment, not a middlebox that never answers; judge
    // the certificate from the baseline's handshake instead.
    const modern: HandshakeResult =
      ev.modern.error?.code === 'ETIMEDOUT' && ev.baselineTls ? { ...ev.modern, error: null, tls: ev.baselineTls } : ev.modern;
    if (modern.error) {
      if (modern.error.code === 'ERR_SSRF_BLOCKED' || modern.error.code === 'ENOTFOUND') return []; // request/DNS probes report these
      if (legacy?.tls) {
        return [finding(causes.oldProtocol, ID, [`Handshake with TLS ≥ 1.2 failed: ${modern.error.message}`, `Handshake allowing TLS 1.0/1.1 succeeded with ${legacy.tls.protocol}`])];
      }
      if (modern.error.code === 'ETIMEDOUT' && modern.tcpConnected) {
        return [finding(causes.handshakeTimeout, ID, [`TCP connected to ${modern.address}, then ${modern.error.message}`])];
      }
      if (modern.tcpConnected) return [finding(causes.handshakeFailed, ID, [`${modern.error.code ?? 'error'}: ${modern.error.message}`])];
      return []; // no TCP at all: the firewall check explains it
    }
    const t = modern.tls!;
    const out: Finding[] = [];
    if (t.error) {
      const cause = BY_CODE[t.error] ?? causes.untrusted;
      const evidence = [`Certificate ${t.subject ?? '?'} issued by ${t.issuer ?? '?'}: ${t.error}`, `Valid ${t.validFrom ?? '?'} → ${t.validTo ?? '?'}; the server sent ${t.chainLength} certificate(s)`];
      out.push(finding(cause, ID, evidence));
    } else if (t.validTo && Date.parse(t.validTo) - Date.now() < SOON_DAYS * 86_400_000) {
      out.push(finding(causes.expiresSoon, ID, [`${t.subject} expires ${t.validTo}`]));
    }
    return out;
  },
};
