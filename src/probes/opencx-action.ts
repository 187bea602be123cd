import { distance } from 'fastest-levenshtein';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { redactUrl } from '../core/redact.js';
import { findAction, needs, opencxOf } from '../opencx/facts.js';
import type { Action } from '../opencx/schemas.js';

const ID = 'opencx-action';

export const causes = {
  missing: defineCause({
    id: 'opencx-action-missing', family: 4, severity: 'error', rank: 90,
    title: 'No action with this name exists in OpenCX',
    meaning: 'The AI cannot call an action that does not exist (renamed, deleted, or replaced by an OpenAPI re-import).',
    fix: 'Use the exact name of an existing action (see the closest names), or create the action again.',
  }),
  endpointMismatch: defineCause({
    id: 'opencx-endpoint-mismatch', family: 3, severity: 'warning', rank: 45,
    title: 'The endpoint given is not the one saved in the action',
    meaning: 'The probes tested a different URL or method than the action calls: you may be debugging the wrong thing.',
    fix: 'Diagnose the saved endpoint (leave the endpoint out and action-debug uses it), or update the action to the endpoint you meant.',
  }),
  notLive: defineCause({
    id: 'opencx-action-not-live', family: 4, severity: 'error', rank: 80,
    title: 'The action is not live',
    meaning: 'Only live actions are offered to the AI.',
    fix: 'Publish the action (set it live) on its page in the dashboard.',
  }),
};

interface ActionEvidence extends Evidence {
  action: Action | null;
  closest: string[];
  given: { endpoint: string; method: string };
}

export function closestNames(actions: Action[], name: string, n = 3): string[] {
  return [...actions].sort((a, b) => distance(a.name.toLowerCase(), name.toLowerCase()) - distance(b.name.toLowerCase(), name.toLowerCase())).slice(0, n).map((a) => a.name);
}

const sameEndpoint = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

export const opencxActionProbe: Probe<ActionEvidence> = {
  id: ID,
  title: 'OpenCX action',
  causes: Object.values(causes),
  skip: needs('action'),
  async gather(ctx) {
    const actions = await opencxOf(ctx).actions();
    const action = findAction(actions, ctx.input.action!) ?? null;
    const facts: Record<string, string | number | null> = action
      ? { id: action.id, 'saved endpoint': action.api_endpoint ? redactUrl(action.api_endpoint) : null, 'saved method': action.request_type ?? null, status: action.status ?? null, channels: action.enabled_on_channel?.channels.join(', ') ?? null }
      : { actions: actions.length, 'closest names': closestNames(actions, ctx.input.action!).join(', ') || null };
    return {
      exchanges: [],
      action,
      closest: action ? [] : closestNames(actions, ctx.input.action!),
      given: { endpoint: ctx.input.endpoint, method: ctx.input.method },
      facts,
    };
  },
  assess(ev, input): Finding[] {
    if (!ev.action) {
      return [finding(causes.missing, ID, [`No action named "${input.action}" among the organisation's actions`, ...(ev.closest.length ? [`Did you mean: ${ev.closest.map((n) => `"${n}"`).join(', ')}?`] : [])], {
        fix: ev.closest.length ? `Did you mean "${ev.closest[0]}"? ${causes.missing.fix}` : causes.missing.fix,
      })];
    }
    const out: Finding[] = [];
    const a = ev.action;
    const savedMethod = (a.request_type ?? 'GET').toUpperCase();
    if ((a.api_endpoint && !sameEndpoint(a.api_endpoint, ev.given.endpoint)) || savedMethod !== ev.given.method) {
      out.push(finding(causes.endpointMismatch, ID, [`Saved: ${savedMethod} ${a.api_endpoint ? redactUrl(a.api_endpoint) : '(none)'}`, `Diagnosed: ${ev.given.method} ${redactUrl(ev.given.endpoint)}`]));
    }
    if (a.status && a.status.toLowerCase() !== 'live') out.push(finding(causes.notLive, ID, [`status: ${a.status}`]));
    return out;
  },
  summarize: (ev) => `found "${ev.action?.name}"`,
};
