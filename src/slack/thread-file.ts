import { request } from 'undici';
import * as z from 'zod';
import { MAX_SPEC_BYTES } from '../openapi/load.js';
import { UPLOAD_PREFIX } from '../openapi/uploaded-specs.js';

/** The part of a file on an `app_mention` event we read; Slack sends many more fields. */
export const SharedFileSchema = z.object({
  id: z.string().min(1),
  name: z.string().default('file'),
  mimetype: z.string().default(''),
  filetype: z.string().default(''),
  size: z.number().int().nonnegative().default(0),
  url_private_download: z.url().optional(),
  url_private: z.url().optional(),
});
export type SharedFile = z.infer<typeof SharedFileSchema>;

export class SharedFileError extends Error {}

/** A spec by its name or type; anything else shared in the thread (screenshots, logs) is left alone. */
export function looksLikeSpec(f: SharedFile): boolean {
  return /\.(ya?ml|json)$/i.test(f.name) || ['yaml', 'yml', 'json'].includes(f.filetype.toLowerCase());
}

/** The key a shared spec gets in the diagnosis input (reports and the database keep this, never the document). */
export function uploadKey(f: SharedFile): string {
  return `${UPLOAD_PREFIX}${f.id}/${f.name.replace(/[^\w.-]+/g, '_').slice(0, 80)}`;
}

/**
 * Downloads a file a user shared, with the bot token. The token goes only to Slack's file host (or the origin of
 * SLACK_API_URL, for a Slack-compatible server such as the fake one): a payload naming any other host is refused.
 */
export async function downloadSharedFile(f: SharedFile, token: string, slackApiUrl: string, opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
  const maxBytes = opts.maxBytes ?? MAX_SPEC_BYTES;
  const raw = f.url_private_download ?? f.url_private;
  if (!raw) throw new SharedFileError('Slack sent no download link for this file');
  const url = new URL(raw);
  const apiOrigin = new URL(slackApiUrl).origin;
  const trusted = (url.protocol === 'https:' && url.hostname === 'files.slack.com') || url.origin === apiOrigin;
  if (!trusted) throw new SharedFileError(`the file's link points to ${url.host}, not to Slack: not downloaded`);
  if (f.size > maxBytes) throw new SharedFileError(`${f.name} is ${Math.round(f.size / 2 ** 20)} MB; specs above ${maxBytes / 2 ** 20} MB are refused`);

  const res = await request(url, { method: 'GET', headers: { authorization: `Bearer ${token}` }, headersTimeout: opts.timeoutMs ?? 20_000, bodyTimeout: opts.timeoutMs ?? 20_000 });
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 300 || /text\/html/i.test(type)) {
    await res.body.dump();
    // Slack answers a download it will not allow with its sign-in page (200, HTML) rather than an error status.
    throw new SharedFileError(res.statusCode >= 300 ? `Slack answered ${res.statusCode} for the file` : 'Slack did not let me read the file: the app needs the files:read scope (reinstall it from the manifest)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.body.destroy();
      throw new SharedFileError(`${f.name} is larger than ${maxBytes / 2 ** 20} MB: refused`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
