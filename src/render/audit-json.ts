import * as z from 'zod';
import { AuditJsonSchema, type AuditAction, type AuditSummary } from '../audit/schema.js';

/** `action-debug audit --json`: validated against its schema, so the contract cannot drift silently. */
export function renderAuditJson(actions: AuditAction[], summary: AuditSummary): string {
  return JSON.stringify(AuditJsonSchema.parse({ schemaVersion: 1, tool: 'action-debug', kind: 'audit', actions, summary }), null, 2) + '\n';
}

export function auditJsonSchema(): unknown {
  return z.toJSONSchema(AuditJsonSchema, { io: 'output' });
}
