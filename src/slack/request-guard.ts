import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../log.js';

/** Slack's own rule: a request more than five minutes from our clock, either way, is refused (replay). */
export const MAX_CLOCK_SKEW_S = 300;
/** Bolt's default body limit; Slack's payloads are far smaller. */
const BODY_LIMIT = 4 * 1024 * 1024;

export type GuardVerdict = { ok: true; sslCheck?: boolean } | { ok: false; status: 400 | 401 | 413; why: string };

/**
 * Checks a delivery to /slack/events before Bolt sees it. Bolt 5's HTTPReceiver refuses only timestamps in the past, and
 * a correctly signed `payload=null` (or any JSON that is not an object) makes it throw outside its own error handling,
 * which ends the process. Here: the signature over the exact bytes, the timestamp within five minutes either way, and a
 * body that is a JSON object with a string `type` (or a slash command's form) are required; anything else is answered
 * 400/401 and goes no further.
 */
export function checkDelivery(raw: Buffer, headers: IncomingMessage['headers'], signingSecret: string | KeyObject, nowMs = Date.now()): GuardVerdict {
  const text = raw.toString('utf8');
  const form = headers['content-type'] === 'application/x-www-form-urlencoded';
  // Parsed once, here: the same fields serve the SSL check and the shape check below.
  const q = form ? parseQuery(text) : null;
  // Slack's SSL check is unsigned and carries nothing else; Bolt answers it the same way.
  if (q?.['ssl_check'] === '1') return { ok: true, sslCheck: true };

  const ts = headers['x-slack-request-timestamp'];
  const sig = headers['x-slack-signature'];
  if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts)) return { ok: false, status: 401, why: 'no valid timestamp' };
  if (Math.abs(Math.floor(nowMs / 1000) - Number(ts)) > MAX_CLOCK_SKEW_S) return { ok: false, status: 401, why: 'timestamp more than 5 minutes from now' };
  if (typeof sig !== 'string' || !/^v0=[0-9a-f]{64}$/.test(sig)) return { ok: false, status: 401, why: 'no valid signature' };
  const ours = createHmac('sha256', signingSecret).update(`v0:${ts}:${text}`).digest();
  if (!timingSafeEqual(ours, Buffer.from(sig.slice(3), 'hex'))) return { ok: false, status: 401, why: 'signature mismatch' };

  let body: unknown;
  if (q) {
    if (q['payload'] === undefined) {
      // A slash command: one string per field, and a command.
      if (Object.values(q).some((v) => typeof v !== 'string') || typeof q['command'] !== 'string') return { ok: false, status: 400, why: 'not a slash command form' };
      return { ok: true };
    }
    if (typeof q['payload'] !== 'string') return { ok: false, status: 400, why: 'payload repeated' };
    body = safeJson(q['payload']);
  } else {
    body = safeJson(text);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
    return { ok: false, status: 400, why: 'not a JSON object with a type' };
  }
  return { ok: true };
}

/**
 * Puts checkDelivery in front of the receiver's listener for POST /slack/events. The body is read once, here, and handed
 * to Bolt as `rawBody`, which Bolt uses instead of reading the stream again.
 */
export function guardSlackRequests(receiver: { requestListener: RequestListener }, signingSecret: string, log: Logger, endpoint = '/slack/events'): void {
  const inner = receiver.requestListener;
  // The HMAC key prepared once, not from the string on every delivery.
  const key = createSecretKey(Buffer.from(signingSecret, 'utf8'));
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    // The path as Bolt reads it (WHATWG URL: dot segments, %2e, a fragment), so no spelling of the endpoint reaches Bolt
    // around the checks; a request target no URL parser takes is refused here rather than thrown inside Bolt.
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      res.writeHead(400).end();
      return;
    }
    // Bolt takes any spelling of POST (it upper-cases the method) at the endpoint: so does the guard.
    if (req.method?.toUpperCase() !== 'POST' || path !== endpoint) return inner(req, res);
    void readBody(req, BODY_LIMIT).then(
      (raw) => {
        const v = checkDelivery(raw, req.headers, key);
        if (!v.ok) {
          log.warn({ status: v.status, why: v.why }, 'slack delivery refused');
          res.writeHead(v.status).end();
          return;
        }
        if (v.sslCheck) return void res.writeHead(200).end();
        Object.assign(req, { rawBody: raw });
        try {
          inner(req, res);
        } catch (err) {
          log.error({ err: (err as Error).message }, 'slack delivery failed');
          if (!res.headersSent) res.writeHead(500).end();
        }
      },
      (err: Error & { tooLarge?: boolean }) => {
        if (!res.headersSent) res.writeHead(err.tooLarge ? 413 : 400).end();
      },
    );
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(Object.assign(new Error('body too large'), { tooLarge: true }));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
