import tls from 'node:tls';

const contexts = new WeakMap<readonly string[], tls.SecureContext>();

/**
 * The TLS options that trust the public roots plus the extra CAs (NODE_EXTRA_CA_CERTS, the lab CA). Building a context
 * parses ~150 PEM certificates, several ms of blocking work, so it is made once per CA list and shared; a burst of
 * diagnoses would otherwise spend its time there and delay everything else on the event loop (Slack acks included).
 * Connections that change protocol settings (the legacy TLS probe) get their own context, since a shared one would
 * override those settings.
 */
export function trustOptions(extraCa: readonly string[], custom: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  if (!extraCa.length) return {};
  const ca = [...tls.rootCertificates, ...extraCa];
  if (Object.keys(custom).length) return { ca };
  let secureContext = contexts.get(extraCa);
  if (!secureContext) contexts.set(extraCa, (secureContext = tls.createSecureContext({ ca })));
  return { secureContext };
}
