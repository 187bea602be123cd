import * as z from 'zod';
import { ReportSchema, type Report } from '../pipeline/report.js';

/** The --json document: validated against the exported schema, so the contract cannot drift silently. */
export function renderJson(report: Report): string {
  return JSON.stringify(ReportSchema.parse(report), null, 2) + '\n';
}

/**
 * JSON Schema of the --json document, for consumers in other languages (`action-debug schema`). The cause ids the
 * verdict and findings may carry are listed as examples, not an enum: new causes are added without a schema version.
 */
export function reportJsonSchema(causeIds: string[] = []): unknown {
  const schema = z.toJSONSchema(ReportSchema, { io: 'output' }) as { properties: Record<string, any> };
  if (causeIds.length) {
    const list = `Cause ids (action-debug catalogue): ${causeIds.join(', ')}.`;
    const cause = schema.properties['verdict']?.properties?.['cause'];
    if (cause) Object.assign(cause, { description: `${cause.description ?? ''} ${list}`.trim(), examples: ['none', ...causeIds] });
    const findingId = schema.properties['findings']?.items?.properties?.['id'];
    if (findingId) Object.assign(findingId, { description: `${findingId.description ?? ''}. ${list}`.trim(), examples: causeIds });
  }
  return schema;
}
