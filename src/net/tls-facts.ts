import tls from 'node:tls';
import { isIP } from 'node:net';
import type { TlsFacts } from './record.js';

/** What a finished handshake tells about the certificate; connections use rejectUnauthorized:false so we can name it. */
export function readTls(sock: tls.TLSSocket, servername: string): TlsFacts {
  const cert = sock.getPeerCertificate(true);
  const has = cert && Object.keys(cert).length > 0;
  let error: string | null = null;
  if (!sock.authorized) {
    const e = sock.authorizationError as unknown;
    error = typeof e === 'string' ? e : ((e as { code?: string })?.code ?? String((e as Error)?.message ?? 'UNKNOWN'));
  } else if (has && !isIP(servername)) {
    // rejectUnauthorized:false skips the host name check, so do it here.
    const mismatch = tls.checkServerIdentity(servername, cert);
    if (mismatch) error = (mismatch as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
  }
  let chainLength = 0;
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = has ? cert : undefined; c && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chainLength++;
  }
  return {
    protocol: sock.getProtocol() ?? null,
    authorized: error === null,
    error,
    subject: has ? formatName(cert.subject) : null,
    issuer: has ? formatName(cert.issuer) : null,
    validFrom: has ? new Date(cert.valid_from).toISOString() : null,
    validTo: has ? new Date(cert.valid_to).toISOString() : null,
    chainLength,
  };
}

function formatName(n: tls.Certificate | undefined): string | null {
  if (!n) return null;
  return n.CN ? `CN=${n.CN}` : Object.entries(n).map(([k, v]) => `${k}=${v}`).join(', ') || null;
}

