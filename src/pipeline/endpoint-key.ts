/**
 * The identity of an endpoint, for the "one running diagnosis per user and endpoint" hold and "already running" lookups:
 * two spellings of the same endpoint give the same key, so a second diagnosis of it cannot start by spelling it anew.
 * Never shown to anyone (cards show the URL as given).
 *
 * - the WHATWG URL serialisation: scheme and host lower-case, IPv4 spellings (0x7f.1, 2130706433) as dotted decimal,
 *   IPv6 compressed, the default port dropped, `.`/`..` segments resolved, an empty path as `/`;
 * - no trailing dot on the host (`api.example.com.` is the same host to DNS and to the server's certificate);
 * - no fragment (never sent);
 * - no user info (credentials are not part of the endpoint: the same endpoint with another key is the same endpoint);
 * - percent-encoded unreserved characters (RFC 3986 §2.3: ALPHA DIGIT - . _ ~) decoded, other escapes upper-cased
 *   (RFC 3986 §6.2.2.1-2: equivalent spellings);
 * - NO query: OpenCX calls one endpoint with different queries (`/orders?id=1`, `/orders?id=2`), and they are the same
 *   endpoint to its owner and to the load it takes. Keeping the query would let one user run the same endpoint
 *   MAX_CONCURRENT_DIAGNOSES times at once just by adding `?x=1`, `?x=2`, ….
 * A value that is not an http(s) URL is its own key (diagnosisTarget's `action:<name>`; anything else never reaches a
 * probe). Idempotent: a key is its own key, so callers may canonicalise again.
 */
export function endpointKey(endpoint: string): string {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return endpoint;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return endpoint;
  u.hash = '';
  u.search = '';
  u.username = '';
  u.password = '';
  if (u.hostname.endsWith('.') && !u.hostname.startsWith('[')) u.hostname = u.hostname.replace(/\.+$/, '');
  // Set back through the pathname setter, so segments that decoding turned into `.`/`..` are resolved like typed ones.
  u.pathname = normalisePercent(u.pathname);
  // A second pass settles what the first decoding exposed (`%2e%2e` became `..` and was resolved above).
  u.pathname = normalisePercent(u.pathname);
  return u.href;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function normalisePercent(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}
