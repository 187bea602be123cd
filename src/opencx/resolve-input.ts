import type { DiagnosisInputDraft } from '../pipeline/input.js';
import { findAction, type OpenCxFacts } from './facts.js';

/**
 * With a key, the session and the action name are enough: the endpoint and method come from the action's saved
 * configuration when the user gave none. Without a match the draft stays as it was (input validation then says what is missing).
 */
export async function resolveFromOpenCx(draft: DiagnosisInputDraft, facts: OpenCxFacts | undefined): Promise<DiagnosisInputDraft> {
  if (!facts || !draft.action || draft.endpoint) return draft;
  const action = findAction(await facts.actions(), draft.action);
  if (!action?.api_endpoint) return draft;
  const method = (action.request_type ?? 'GET').toUpperCase();
  return { ...draft, endpoint: action.api_endpoint, ...(draft.method ? {} : { method: method as 'GET' }) };
}
