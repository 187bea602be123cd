import { InputError } from '../core/input-error.js';
import { parseDiagnosisInput, type DiagnosisInput, type DiagnosisInputDraft } from './input.js';
import type { NetOptions } from '../net/options.js';
import type { OpenCxFacts } from '../opencx/facts.js';
import { resolveFromOpenCx } from '../opencx/resolve-input.js';

/** A burst sends several calls in a row: only someone who says they own the endpoint may ask for one. */
export class OwnerConfirmationNeeded extends InputError {
  constructor() {
    super('a burst sends several calls in a row: confirm you own the endpoint first');
  }
}

export interface PrepareOptions {
  /** OpenCX, when configured: the action's saved endpoint and method fill what the user left out. */
  opencx?: OpenCxFacts | undefined;
  /** The requester confirmed they own the endpoint (the CLI's --confirm-owner, the form's checkbox). */
  ownerConfirmed: boolean;
  net: Pick<NetOptions, 'allowPrivate'>;
}

/**
 * Every face (CLI, slash command, form, re-run) turns what the user typed into a DiagnosisInput here, so the rules
 * (the saved endpoint from OpenCX, who may ask for a burst) are written once. Throws InputError for the user to read.
 * The input has no endpoint only when OpenCX is configured and an action is named (the OpenCX checks then run alone).
 */
export async function prepareInput(draft: DiagnosisInputDraft, o: PrepareOptions): Promise<DiagnosisInput> {
  if (!draft.endpoint && !o.opencx) throw new InputError('missing an endpoint (or configure OpenCX and give the action and session to use its saved endpoint)');
  if (!draft.endpoint && !draft.action) throw new InputError('missing an endpoint or an action name (OpenCX gives the saved endpoint of a named action)');
  // With OpenCX and an action name, no saved endpoint (no such action, OpenCX unreadable, none saved) is not a usage
  // error: the diagnosis runs without an endpoint, and its OpenCX checks say which (family 4 with no endpoint).
  const resolved = await resolveFromOpenCx(draft, o.opencx);
  const input = parseDiagnosisInput(resolved);
  // Only the lab switch (every private address allowed) waives the owner's consent: a CIDR allow-list does not.
  if (input.burst > 0 && !o.ownerConfirmed && o.net.allowPrivate !== true) throw new OwnerConfirmationNeeded();
  return input;
}
