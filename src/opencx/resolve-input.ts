import { EndpointSchema, type DiagnosisInputDraft } from '../pipeline/input.js';
import { OpenCxError } from './client.js';
import { findAction, type OpenCxFacts } from './facts.js';

/**
 * With a key, the session and the action name are enough: the endpoint and method come from the action's saved
 * configuration when the user gave none. Without a match, or when OpenCX cannot be read, the draft stays without an
 * endpoint: the diagnosis still runs, and its OpenCX probes say which (a missing action with the closest names, or
 * OpenCX unavailable), never a usage error.
 */
export async function resolveFromOpenCx(draft: DiagnosisInputDraft, facts: OpenCxFacts | undefined): Promise<DiagnosisInputDraft> {
  if (!facts || !draft.action || draft.endpoint) return draft;
  let actions;
  try {
    actions = await facts.actions();
  } catch (err) {
    if (err instanceof OpenCxError) return draft;
    throw err;
  }
  const action = findAction(actions, draft.action);
  // A saved endpoint OpenCX itself would never call (not a URL, http://) is not the user's mistake: the diagnosis runs
  // without it and the action check names it, rather than a usage error.
  if (!action?.api_endpoint || !EndpointSchema.safeParse(action.api_endpoint).success) return draft;
  const method = (action.request_type ?? 'GET').toUpperCase();
  return { ...draft, endpoint: action.api_endpoint, ...(draft.method ? {} : { method: method as 'GET' }) };
}
