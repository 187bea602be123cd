import { isIP } from 'node:net';

/** An IP address named in an error body, the sign of an allowlist ("IP 203.0.113.7 is not allowed"). */
export function ipNamedIn(text: string): string | null {
  const candidates = text.match(/(?:\d{1,3}\.){3}\d{1,3}|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi) ?? [];
  const hit = candidates.find((c) => isIP(c) !== 0);
  if (!hit) return null;
  return /\b(ip|address|allow ?list|whitelist|not (allowed|permitted)|forbidden|origin)\b/i.test(text) ? hit : null;
}
