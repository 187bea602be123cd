import { defineCause } from '../pipeline/finding.js';

/**
 * Causes an audit names before any probe can run: they come from the action record itself. Declared here (not in a
 * probe) because a diagnosis needs a valid endpoint to start; registry.ts adds them to the catalogue.
 */
export const auditCauses = {
  endpointInvalid: defineCause({
    id: 'action-endpoint-invalid', family: 3, severity: 'error', rank: 99,
    title: 'The action has no endpoint OpenCX can call',
    meaning: 'The saved endpoint is missing, not a URL, or not https:// (OpenCX never calls http://), so every call fails before it starts.',
    fix: 'Save the full https:// URL of the API route in the action (Endpoint field), then run the audit again.',
  }),
};
