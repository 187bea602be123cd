import tls from 'node:tls';

// Keyed by the PEM text: option parsing makes a new array per diagnosis, the CA list itself rarely changes.
const contexts = new Map<string, tls.SecureContext>();
// The default trust (Node's roots and NODE_EXTRA_CA_CERTS): what Node would build for each connection, built once. A
// shared context shares settings, not sessions: Node turns OpenSSL's session cache off (SSL_SESS_CACHE_NO_INTERNAL),
// so every connection still makes a full handshake of its own, as OpenCX's calls do.
let defaultContext: tls.SecureContext | null = null;

/**
 * The TLS options that trust the public roots plus the extra CAs (NODE_EXTRA_CA_CERTS, the lab CA). Building a context
 * parses ~150 PEM certificates, several ms of blocking work, so it is made once per CA list and shared; a burst of
 * diagnoses would otherwise spend its time there and delay everything else on the event loop (Slack acks included).
 * Connections that change protocol settings (the legacy TLS probe) get their own context, since a shared one would
 * override those settings. Without extra CAs, the default context is shared the same way (one per process instead of
 * one per connection, a fraction of a ms each).
 */
export function trustOptions(extraCa: readonly string[], custom: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  const customised = Object.keys(custom).length > 0;
  if (!extraCa.length) return customised ? {} : { secureContext: (defaultContext ??= tls.createSecureContext()) };
  const ca = [...tls.rootCertificates, ...extraCa];
  if (customised) return { ca };
  const key = extraCa.join('\n');
  let secureContext = contexts.get(key);
  if (!secureContext) {
    if (contexts.size >= 16) contexts.clear();
    contexts.set(key, (secureContext = tls.createSecureContext({ ca })));
  }
  return { secureContext };
}

/**
 * Builds, ahead of the first diagnosis, what its first TLS connection would build: the root store (Node loads the public
 * roots and NODE_EXTRA_CA_CERTS once per process, several ms of blocking work) and the shared context for these CAs.
 * For long-running processes, at start, so that work never lands between two acks.
 */
export function prepareTrust(extraCa: readonly string[]): void {
  trustOptions(extraCa);
}
