import { InputError } from '../core/input-error.js';
import { redactUrl } from '../core/redact.js';
import { exchangeWithBody } from './exchange.js';
import type { NetOptions } from './options.js';

const MAX_REDIRECTS = 3;

/**
 * Downloads a document (an OpenAPI spec) through the same guarded dispatcher as every probe: https only, each redirect hop
 * checked again by the guard, body capped. Throws InputError with a sentence a user can act on.
 */
export async function fetchText(
  url: string,
  opts: { net: NetOptions; maxBytes: number; timeoutMs: number; signal?: AbortSignal },
): Promise<{ status: number; contentType: string | null; text: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let parsed: URL;
    try {
      parsed = new URL(current);
    } catch {
      throw new InputError(`"${redactUrl(current)}" is not a URL`);
    }
    if (parsed.protocol !== 'https:') throw new InputError(`only https:// URLs are fetched, not ${parsed.protocol}//`);
    const { record: ex, body } = await exchangeWithBody(
      { label: 'download', method: 'GET', url: current, headers: [['accept', 'application/json, application/yaml, text/yaml, */*']], timeoutMs: opts.timeoutMs },
      { ...opts.net, maxBodyBytes: opts.maxBytes },
      opts.signal,
    );
    if (ex.error && !ex.response) throw new InputError(`could not download ${ex.request.url}: ${ex.error.message}`);
    const res = ex.response!;
    if (ex.error) throw new InputError(`download of ${ex.request.url} failed midway: ${ex.error.message}`);
    if ([301, 302, 303, 307, 308].includes(res.status) && res.headers['location']) {
      current = new URL(res.headers['location'], current).toString();
      continue;
    }
    if (res.bodyTruncated) throw new InputError(`${ex.request.url} is larger than ${opts.maxBytes} bytes`);
    return { status: res.status, contentType: res.contentType, text: body.toString('utf8') };
  }
  throw new InputError(`more than ${MAX_REDIRECTS} redirects from ${redactUrl(url)}`);
}

