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
 */
export async function prepareInput(draft: DiagnosisInputDraft, o: PrepareOptions): Promise<DiagnosisInput> {
  const resolved = await resolveFromOpenCx(draft, o.opencx);
  if (!resolved.endpoint) {
    throw new InputError(
      o.opencx
        ? `missing an endpoint: OpenCX has no saved endpoint for action "${resolved.action ?? ''}"`
        : 'missing an endpoint (or configure OpenCX and give the action and session to use its saved endpoint)',
    );
  }
  const input = parseDiagnosisInput(resolved);
  // Only the lab switch (every private address allowed) waives the owner's consent: a CIDR allow-list does not.
  if (input.burst > 0 && !o.ownerConfirmed && o.net.allowPrivate !== true) throw new OwnerConfirmationNeeded();
  return input;
}
