import * as z from 'zod';
import { FamilySchema } from '../pipeline/finding.js';
import { AuditStatusSchema, type AuditAction } from '../audit/schema.js';

/** What a watch remembers of each action between runs: the verdict, since when, and the action's updated_at. */
export const SeenSchema = z.object({
  name: z.string(),
  status: AuditStatusSchema,
  family: FamilySchema.nullable(),
  cause: z.string(),
  title: z.string(),
  fix: z.string(),
  /** When this verdict was first seen (ISO). */
  since: z.string(),
  /** The action's updated_at in OpenCX when last checked: a new one means "check again now". */
  updatedAt: z.string().nullable(),
  diagnosisId: z.string().nullable(),
});
export type Seen = z.infer<typeof SeenSchema>;

export const WatchStateSchema = z.object({
  actions: z.record(z.string(), SeenSchema),
  lastRunAt: z.string().nullable(),
  runs: z.number().int(),
});
export type WatchState = z.infer<typeof WatchStateSchema>;

export const EMPTY_STATE: WatchState = { actions: {}, lastRunAt: null, runs: 0 };

/** A stored state that does not parse (an older shape) starts over rather than stopping the watch. */
export function readState(raw: unknown): WatchState {
  return WatchStateSchema.catch(EMPTY_STATE).parse(raw);
}

export type Transition =
  | { kind: 'broken' | 'fixed' | 'changed'; id: string; before: Seen; after: Seen }
  | { kind: 'first'; id: string; after: Seen }
  | { kind: 'vanished'; id: string; before: Seen };

/** Two verdicts are the same when the status and the cause are (the wording of a title may vary with evidence). */
const same = (a: Seen, b: Seen) => a.status === b.status && a.cause === b.cause;
const isBroken = (s: Seen) => s.status === 'broken';

/**
 * Compares a run with what the watch saw before: what changed (broken, fixed, another cause), what is seen for the first
 * time, and what vanished from OpenCX. Pure; the caller decides what to post. `since` carries over while a verdict holds.
 */
export function compare(before: WatchState, results: { action: AuditAction; updatedAt: string | null }[], present: Set<string>, at: string): { state: WatchState; transitions: Transition[] } {
  const transitions: Transition[] = [];
  const actions: Record<string, Seen> = {};
  for (const { action, updatedAt } of results) {
    const prev = before.actions[action.id];
    const now: Seen = {
      name: action.name, status: action.status, family: action.verdict.family, cause: action.verdict.cause, title: action.verdict.title, fix: action.verdict.fix,
      since: at, updatedAt, diagnosisId: action.diagnosisId,
    };
    // "Not checked" (the audit ran out of time, the endpoint could not be tried) says nothing new: keep what was known.
    if (prev && now.status === 'not-checked') {
      actions[action.id] = { ...prev, updatedAt };
      continue;
    }
    if (!prev) transitions.push({ kind: 'first', id: action.id, after: now });
    else if (same(prev, now)) now.since = prev.since;
    else transitions.push({ kind: isBroken(now) && !isBroken(prev) ? 'broken' : !isBroken(now) && isBroken(prev) ? 'fixed' : 'changed', id: action.id, before: prev, after: now });
    actions[action.id] = now;
  }
  // Actions not run this time but still in OpenCX keep their last verdict; those gone from OpenCX are reported once.
  for (const [id, prev] of Object.entries(before.actions)) {
    if (actions[id]) continue;
    if (present.has(id)) actions[id] = prev;
    else transitions.push({ kind: 'vanished', id, before: prev });
  }
  return { state: { actions, lastRunAt: at, runs: before.runs + 1 }, transitions };
}
