import * as z from 'zod';

/** OpenCX public API shapes (docs.open.cx api-reference). Unknown fields are kept; missing required ones are named. */
export const ActionSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  api_endpoint: z.string().nullable().optional(),
  request_type: z.string().nullable().optional(),
  operation_id: z.string().nullable().optional(),
  payload: z.record(z.string(), z.unknown()).nullable().optional(),
  status: z.string().nullable().optional(),
  enabled_on_channel: z.object({ channels: z.array(z.string()) }).nullable().optional(),
  // Documented as boolean; real records carry null. We never decide anything on it, so null is simply "unknown".
  is_handoff_like: z.boolean().nullable().optional(),
});
export type Action = z.infer<typeof ActionSchema>;

/** `GET /actions` is a bare array; its items are read one by one (see readActionList), so the list itself is only an array. */
export const RawActionListSchema = z.array(z.unknown());

/** An action record that did not match the documented shape: what was kept of it and what was not readable. */
export interface OddActionRecord {
  index: number;
  id: string | null;
  name: string | null;
  /** Each unreadable field with what was wrong, e.g. `enabled_on_channel.channels: expected array, received null`. */
  problems: string[];
  /** false when the record had no readable id or name (nothing could match it) and was left out. */
  kept: boolean;
  /** The top-level fields dropped from a kept record (their checks say "unknown"). */
  dropped: string[];
}

export interface ActionList {
  actions: Action[];
  odd: OddActionRecord[];
}

const describeIssues = (issues: z.core.$ZodIssue[]) => issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);

/**
 * Reads `/actions` item by item: one odd record (e.g. `enabled_on_channel: {}` or `channels: null`) costs only its
 * unreadable fields, never the whole list. A record without a readable id and name cannot be matched to anything and is
 * left out; either way it is reported.
 */
export function readActionList(items: unknown[]): ActionList {
  const actions: Action[] = [];
  const odd: OddActionRecord[] = [];
  items.forEach((item, index) => {
    const first = ActionSchema.safeParse(item);
    if (first.success) return void actions.push(first.data);
    const problems = describeIssues(first.error.issues);
    const rec = item && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : null;
    const id = typeof rec?.['id'] === 'string' ? rec['id'] : null;
    const name = typeof rec?.['name'] === 'string' ? rec['name'] : null;
    if (!rec || id === null || name === null) return void odd.push({ index, id, name, problems, kept: false, dropped: [] });
    const dropped = [...new Set(first.error.issues.map((i) => String(i.path[0])))];
    const salvaged = ActionSchema.safeParse(Object.fromEntries(Object.entries(rec).filter(([k]) => !dropped.includes(k))));
    if (!salvaged.success) return void odd.push({ index, id, name, problems, kept: false, dropped: [] });
    actions.push(salvaged.data);
    odd.push({ index, id, name, problems, kept: true, dropped });
  });
  return { actions, odd };
}

export const ChatSessionSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  channel: z.object({ type: z.string() }),
  ticket_number: z.number().optional(),
  ai_closure_type: z.string().nullable().optional(),
  contact: z.looseObject({ id: z.string(), email: z.string().nullable().optional(), name: z.string().nullable().optional() }).nullable().optional(),
  handoff: z.looseObject({ summary: z.string() }).nullable().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type ChatSession = z.infer<typeof ChatSessionSchema>;

export const HistoryPageSchema = z.object({
  items: z.array(
    z.looseObject({
      created_at: z.string(),
      event: z.looseObject({
        type: z.string(),
        sender: z.looseObject({ type: z.string() }).nullable().optional(),
        content: z.looseObject({ text: z.string() }).nullable().optional(),
      }),
    }),
  ),
  next: z.string().nullable().optional(),
});
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

export const SegmentSchema = z.looseObject({ id: z.string(), name: z.string(), description: z.string().nullable().optional() });
export const ContactSegmentsSchema = z.object({ data: z.array(SegmentSchema) });

/** The reasons `GET /handoff-analytics/events?reason=` accepts (docs: handoff-analytics/events). */
export const HANDOFF_REASONS = ['based_on_instructions', 'instructions_not_clear', 'insufficient_knowledge', 'insufficient_tools', 'prohibited_topic', 'user_requested_human_assistance'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

export const HandoffEventSchema = z.looseObject({ session_id: z.string(), reasons: z.array(z.string()), summary: z.string().nullable().optional(), created_at: z.string() });
export type HandoffEvent = z.infer<typeof HandoffEventSchema>;
export const HandoffEventsSchema = z.object({
  items: z.array(HandoffEventSchema),
  next: z.string().nullable().optional(),
  total: z.number().optional(),
});
export type HandoffEventsPage = z.infer<typeof HandoffEventsSchema>;

export const ErrorBodySchema = z.looseObject({ statusCode: z.number().optional(), message: z.union([z.string(), z.array(z.string())]).optional(), error: z.string().optional() });
