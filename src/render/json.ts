import { z } from 'zod';
import { ReportSchema, type Report } from '../pipeline/report.js';

/** The --json document: validated against the exported schema, so the contract cannot drift silently. */
export function renderJson(report: Report): string {
  return JSON.stringify(ReportSchema.parse(report), null, 2) + '\n';
}

/** JSON Schema of the --json document, for consumers in other languages (`action-debug schema`). */
export function reportJsonSchema(): unknown {
  return z.toJSONSchema(ReportSchema, { io: 'output' });
}
