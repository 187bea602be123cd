import type { Exchange } from '../net/record.js';

export interface ProxyPage {
  /** The server software whose built-in error page this is. */
  software: string;
  /** The page says there is no backend (or none healthy) to send the call to. */
  noBackend: boolean;
}

/**
 * Built-in error pages of reverse proxies and web servers, as each ships them: an answer made by the proxy itself,
 * not by the API behind it. nginx: `<hr><center>nginx</center>`; HAProxy: its fixed texts ("No server is available to
 * handle this request.", "Request forbidden by administrative rules."); Envoy: "no healthy upstream", "upstream connect
 * error"; Apache httpd: "<address>Apache… Server at"; AWS ELB: server awselb; Cloudflare: 52x pages.
 */
/** A page the proxy made itself: empty, or an HTML page titled with the status (a proxied API answer is neither). */
const ownPage = (b: string) => b.trim() === '' || /<title>\s*\d{3}\b/i.test(b);

const PAGES: { software: string; test: (body: string, server: string) => boolean; noBackend?: RegExp }[] = [
  { software: 'nginx', test: (b, s) => /<center>nginx(\/[\d.]+)?<\/center>/i.test(b) || (/^nginx/i.test(s) && /<title>\d{3} /i.test(b)) },
  {
    software: 'HAProxy',
    test: (b) => /No server is available to handle this request|Request forbidden by administrative rules|The server returned an invalid or incomplete response|The server didn't respond in time|Your browser sent an invalid request/i.test(b),
    noBackend: /No server is available to handle this request/i,
  },
  { software: 'Envoy', test: (b, s) => /no healthy upstream|upstream connect error|RBAC: access denied/i.test(b) || (/^envoy/i.test(s) && ownPage(b)), noBackend: /no healthy upstream|upstream connect error/i },
  {
    software: 'Apache httpd',
    test: (b, s) => /<address>Apache(\/[\d.]+)?.* Server at/i.test(b) || (/^Apache/i.test(s) && /<title>\d{3} /i.test(b)),
    noBackend: /temporarily unable to service your request|proxy server (received an invalid response|could not handle)/i,
  },
  { software: 'AWS ELB', test: (b, s) => /^awselb/i.test(s) && ownPage(b) },
  { software: 'Cloudflare', test: (b) => /Error 52[0-6]|cf-error-code|Web server is (down|returning an unknown error)/i.test(b), noBackend: /Error 52[0-3]|Web server is down|Connection timed out/i },
  { software: 'Microsoft IIS', test: (b, s) => /^Microsoft-IIS/i.test(s) && ownPage(b) },
  // Kong: "An invalid response was received from the upstream server", "failure to get a peer from the ring-balancer".
  { software: 'Kong', test: (b, s) => (/^kong\//i.test(s) && ownPage(b)) || /received from the upstream server|failure to get a peer from the ring-balancer|name resolution failed/i.test(b), noBackend: /upstream server|failure to get a peer|name resolution failed/i },
  { software: 'Caddy', test: (b, s) => /^Caddy/i.test(s) && b.trim() === '', noBackend: /^$/ },
  { software: 'Traefik', test: (b, s) => (/^traefik/i.test(s) && ownPage(b)) || /^(Bad Gateway|Service Unavailable|Gateway Timeout)\s*$/.test(b), noBackend: /^(Bad Gateway|Service Unavailable)\s*$/ },
  { software: 'Varnish', test: (b) => /Guru Meditation|Varnish cache server/i.test(b), noBackend: /Backend fetch failed/i },
  { software: 'Azure Application Gateway', test: (b, s) => (/Microsoft-Azure-Application-Gateway/i.test(s) && ownPage(b)) || /Microsoft-Azure-Application-Gateway/i.test(b), noBackend: /502 - Web server received an invalid response|Bad Gateway/i },
  { software: 'Google Front End', test: (b, s) => /^(Google Frontend|GFE)/i.test(s) && ownPage(b) },
];

export function proxyPage(ex: Exchange): ProxyPage | null {
  const res = ex.response;
  if (!res || res.status < 400) return null;
  const server = res.headers['server'] ?? '';
  for (const p of PAGES) {
    if (p.test(res.bodySample, server)) return { software: p.software, noBackend: p.noBackend?.test(res.bodySample) ?? false };
  }
  return null;
}

/** Bodies of servers and frameworks saying the request headers are too large (nginx, Apache, Tomcat, Node, IIS, Go). */
export const HEADERS_TOO_LARGE = /Request Header Or Cookie Too Large|Size of a request header field exceeds|Request header (is )?too large|header fields? too large|Header Fields Too Large|Request Header Fields Too Large|Bad Request - Header Field Too Long|header (line|field) (is )?too long/i;

/** The length of a header value as recorded: redacted ones read "<N chars>" or "Bearer <N chars>". */
export function recordedLength(value: string): number {
  const m = /^(\S+ )?<(\d+) chars>$/.exec(value);
  return m ? (m[1]?.length ?? 0) + Number(m[2]) : value.length;
}

/** Bytes of request headers sent (name, ": ", value, CRLF), from the record (secrets counted by their length). */
export function requestHeaderBytes(ex: Exchange): number {
  return Object.entries(ex.request.headers).reduce((n, [k, v]) => n + k.length + 4 + recordedLength(v), 0);
}
