import { defineCause } from '../../pipeline/finding.js';

/** OpenCX's own import rules (docs: Build an action, OpenAPI import, Limits recap). */
export const causes = {
  noServer: defineCause({
    id: 'spec-no-server', family: 1, severity: 'error', rank: 90,
    title: 'No server URL: OpenCX cannot tell where to send calls',
    meaning: 'Neither servers[0].url (OAS 3) nor host (Swagger 2) gives an absolute URL: the import fails with cannot_determine_api_endpoint.',
    fix: 'Add servers: [{url: https://api.example.com}] to the spec, or give serverBaseUrl when importing.',
  }),
  httpServer: defineCause({
    id: 'spec-http-server', family: 1, severity: 'error', rank: 80,
    title: 'The server URL is http://',
    meaning: 'OpenCX calls HTTPS endpoints only.',
    fix: 'Serve the API over HTTPS and put the https:// URL in servers.',
  }),
  method: defineCause({
    id: 'spec-unsupported-method', family: 1, severity: 'warning', rank: 30,
    title: 'An operation uses a method OpenCX does not call',
    meaning: 'Only GET, POST, PUT, PATCH and DELETE become actions; HEAD, OPTIONS and TRACE operations are left out.',
    fix: 'Nothing to do if the operation is not meant for the AI; otherwise expose it with a supported method.',
  }),
  body: defineCause({
    id: 'spec-unsupported-body', family: 1, severity: 'error', rank: 60,
    title: 'The request body is neither JSON nor multipart',
    meaning: 'OpenCX sends JSON or multipart/form-data bodies only.',
    fix: 'Accept application/json (or multipart/form-data) for this operation.',
  }),
  cookie: defineCause({
    id: 'spec-cookie-param', family: 1, severity: 'warning', rank: 40,
    title: 'A cookie parameter',
    meaning: 'Actions send headers, query and path parameters and a body; there is no way to set a cookie per call.',
    fix: 'Take the value from a header (a global variable or widget header) instead of a cookie.',
  }),
  formDataFile: defineCause({
    id: 'spec-formdata-file', family: 1, severity: 'error', rank: 70,
    title: 'A Swagger 2.0 formData file parameter',
    meaning: '`type: file` in formData is not JSON Schema; the AI cannot fill a file.',
    fix: 'Convert to OpenAPI 3 with a multipart/form-data body, or drop the file parameter from the action.',
  }),
  shortName: defineCause({
    id: 'spec-short-name', family: 1, severity: 'error', rank: 50,
    title: 'The action name is shorter than 5 characters',
    meaning: 'OpenCX requires action names of at least 5 characters (the name comes from operationId or summary).',
    fix: 'Give the operation a longer operationId or summary that says what it does.',
  }),
  duplicateName: defineCause({
    id: 'spec-duplicate-name', family: 1, severity: 'error', rank: 60,
    title: 'Two operations have the same name',
    meaning: 'Action names must be unique; duplicate operationIds collide on import.',
    fix: 'Make every operationId unique.',
  }),
  vague: defineCause({
    id: 'spec-vague-description', family: 4, severity: 'warning', rank: 30,
    title: 'The description is too short or vague for the AI to pick the action',
    meaning: 'The AI chooses actions by name and description; under 20 characters, or without a verb and a noun, it rarely matches the intent.',
    fix: 'Describe what it does with a verb and a noun, e.g. "Look up an order by ID and return its status and tracking".',
  }),
};
