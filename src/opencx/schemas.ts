import { z } from 'zod';

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
  is_handoff_like: z.boolean().optional(),
});
export type Action = z.infer<typeof ActionSchema>;
export const ActionListSchema = z.array(ActionSchema);

export const ChatSessionSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  channel: z.object({ type: z.string() }),
  ticket_number: z.number().optional(),
  ai_closure_type: z.string().nullable().optional(),
  contact: z.looseObject({ id: z.string(), email: z.string().nullable().optional(), name: z.string().nullable().optional() }).nullable().optional(),
  handoff: z.looseObject({ summary: z.string() }).nullable().optional(),
  created_at: z.string().optional(),
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

export const HandoffEventsSchema = z.object({
  items: z.array(z.looseObject({ session_id: z.string(), reasons: z.array(z.string()), summary: z.string().nullable().optional(), created_at: z.string() })),
  next: z.string().nullable().optional(),
});

export const ErrorBodySchema = z.looseObject({ statusCode: z.number().optional(), message: z.union([z.string(), z.array(z.string())]).optional(), error: z.string().optional() });
