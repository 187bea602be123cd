import { defineCause } from '../../pipeline/finding.js';

export const causes = {
  circular: defineCause({
    id: 'spec-circular-ref', family: 1, severity: 'error', rank: 85,
    title: 'The operation\'s input has a circular $ref',
    meaning: 'A schema refers back to itself through $ref; OpenCX cannot build a finite tool schema (invalid_tool_schema).',
    fix: 'Cut the cycle: replace the inner $ref with a plain object or string described in words (action-debug spec --fix cuts every cycle of the inputs in one run).',
  }),
  unresolved: defineCause({
    id: 'spec-unresolved-ref', family: 1, severity: 'error', rank: 85,
    title: 'A $ref points nowhere',
    meaning: 'The referenced component does not exist in the document, so the spec does not parse as a whole.',
    fix: 'Fix the $ref target or add the missing component.',
  }),
  external: defineCause({
    id: 'spec-external-ref', family: 1, severity: 'error', rank: 80,
    title: 'A $ref points outside the document',
    meaning: 'References to other files or hosts are not followed (never fetched, never read): the uploaded spec must be self-contained.',
    fix: 'Bundle the spec into one file first (e.g. `redocly bundle` or `swagger-cli bundle`).',
  }),
};
