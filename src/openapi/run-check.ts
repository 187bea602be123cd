import { InputError } from '../core/input-error.js';
import type { NetOptions } from '../net/options.js';
import { parseSpecText, readSpecSource, SpecParseError } from './load.js';
import { checkSpec, parseCause, type CheckMemo, type SpecReport } from './check.js';
import type { Profile } from './rules/profiles.js';
import type { LoadedSpec } from './load.js';

export type SpecOutcome =
  | { ok: true; spec: LoadedSpec; report: SpecReport }
  /** The spec is unusable as a spec: OpenCX would say failed_to_parse_spec. */
  | { ok: false; origin: string; parseError: SpecParseError; report: SpecReport };

/** Load (file or https URL), parse and check. A source that cannot be read at all throws InputError. */
export async function loadAndCheck(source: string, opts: { net: NetOptions; profile?: Profile; timeoutMs?: number; memo?: CheckMemo }): Promise<SpecOutcome> {
  const { origin, text } = await readSpecSource(source, opts);
  return checkSpecText(origin, text, opts);
}

/** Parse and check a spec already in memory (a file shared in Slack, say). `memo` keeps what --fix reuses. */
export function checkSpecText(origin: string, text: string, opts: { profile?: Profile; memo?: CheckMemo } = {}): SpecOutcome {
  try {
    const spec = parseSpecText(origin, text);
    return { ok: true, spec, report: checkSpec(spec, { ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.memo ? { memo: opts.memo } : {}) }) };
  } catch (err) {
    if (!(err instanceof SpecParseError)) throw err;
    const where = err.line ? ` at line ${err.line}, column ${err.column}` : '';
    return {
      ok: false,
      origin,
      parseError: err,
      report: { origin, version: '3.0', operations: [], issues: [{ cause: parseCause, pointer: '#', operation: null, message: `${err.message}${where}` }] },
    };
  }
}

export { InputError };
