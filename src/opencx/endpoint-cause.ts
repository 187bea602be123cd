import { defineCause } from '../pipeline/finding.js';

/**
 * An action whose saved endpoint OpenCX cannot call. Declared beside the OpenCX records it is read from, because two
 * places find it: a diagnosis of the action (the opencx-action probe) and the audit, before any probe can run.
 */
export const noUsableEndpoint = defineCause({
  id: 'opencx-saved-endpoint-unusable', family: 3, severity: 'error', rank: 75,
  title: 'The action has no usable endpoint saved',
  meaning: 'The action\'s saved endpoint is empty, not a URL, or not https:// (OpenCX calls HTTPS only): every call fails before it starts, and there is nothing to probe.',
  fix: 'Save the full https:// URL of the API route on the action\'s page (or diagnose the URL you expect with --endpoint).',
});
