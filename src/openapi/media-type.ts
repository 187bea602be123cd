/**
 * Media types compared the way RFC 9110 §8.3.1 defines them: `type/subtype` case-insensitively, parameters
 * (`; charset=utf-8`, `;version=2018-01-01`) ignored, and a structured-syntax suffix (RFC 6838 §4.2.8, `+json`)
 * read as the format it names. Real specs write `application/json; charset=utf-8` (Adyen, Zuora) and
 * `application/vnd.api+json`; both are JSON bodies OpenCX sends.
 */
export interface MediaType {
  type: string;
  subtype: string;
  /** `json` for `application/merge-patch+json`; null without a suffix. */
  suffix: string | null;
}

export function parseMediaType(raw: string): MediaType | null {
  const essence = raw.split(';')[0]!.trim().toLowerCase();
  const m = /^([a-z0-9!#$%&'*.^_`|~-]+|\*)\/([a-z0-9!#$%&'*.^_`|~+-]+|\*)$/.exec(essence);
  if (!m) return null;
  const subtype = m[2]!;
  const plus = subtype.lastIndexOf('+');
  return { type: m[1]!, subtype, suffix: plus > 0 ? subtype.slice(plus + 1) : null };
}

/** A JSON body: application/json, any `+json`, or a wildcard that allows JSON (`*\/*`, `application/*`). */
export function isJsonMedia(raw: string): boolean {
  const m = parseMediaType(raw);
  if (!m) return false;
  if (m.type === '*' && m.subtype === '*') return true;
  if (m.type !== 'application') return false;
  return m.subtype === 'json' || m.subtype === '*' || m.suffix === 'json';
}

export const isMultipartForm = (raw: string): boolean => {
  const m = parseMediaType(raw);
  return m?.type === 'multipart' && m.subtype === 'form-data';
};

/** A body OpenCX can send: JSON or multipart/form-data. */
export const isSendableBody = (raw: string): boolean => isJsonMedia(raw) || isMultipartForm(raw);
