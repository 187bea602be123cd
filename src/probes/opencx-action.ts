import { distance } from 'fastest-levenshtein';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { EndpointSchema, type DiagnosisInput } from '../pipeline/input.js';
import { redactUrl } from '../core/redact.js';
import { findAction, needs, opencxOf } from '../opencx/facts.js';
import { OpenCxError } from '../opencx/client.js';
import { noUsableEndpoint } from '../opencx/endpoint-cause.js';
import type { Action, OddActionRecord } from '../opencx/schemas.js';

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
  noEndpoint: noUsableEndpoint,
  oddRecord: defineCause({
    id: 'opencx-action-record-unreadable', family: 4, severity: 'info', rank: 3,
    title: 'OpenCX sent action records in a shape its API reference does not describe',
    meaning: 'Records are read one by one: an odd field is reported as unknown (its check does not run), a record without a name is left out; the rest are checked as usual.',
    fix: 'Open the named action in the dashboard and check the setting that could not be read (e.g. its Channels).',
  }),
  unavailable: defineCause({
    id: 'opencx-unavailable', family: 5, severity: 'error', rank: 20,
    title: 'OpenCX could not be read, so the action could not be checked',
    meaning: 'With no endpoint known, the OpenCX API is the only source of the diagnosis; it was down, too slow, or answered something unreadable.',
    fix: 'Try again in a few minutes, or give the endpoint so it can be probed directly; if OpenCX stays unavailable, escalate with the session ID and action name.',
  }),
  keyRefused: defineCause({
    id: 'opencx-key-refused', family: 5, severity: 'error', rank: 25,
    title: 'OpenCX refused the API key, so the action could not be checked',
    meaning: 'The key is invalid (401) or lacks a read scope (403: actions:read, chat-sessions:read, segments:read or handoff-analytics:read); with no endpoint known nothing else can be checked.',
    fix: 'Give OPENCX_API_KEY the read scopes action-debug uses (actions:read, chat-sessions:read, segments:read, handoff-analytics:read) or use a full-access key; or give the endpoint so it can be probed directly.',
  }),
};

interface ActionEvidence extends Evidence {
  action: Action | null;
  closest: string[];
  given: { endpoint: string | null; method: string };
  /** Records of the list that did not match the documented shape. */
  odd: OddActionRecord[];
  /** Set when OpenCX could not give the list and no endpoint was known (with an endpoint, the probe reports an error). */
  unavailable: { kind: OpenCxError['kind']; message: string } | null;
}

export function closestNames(actions: Action[], name: string, n = 3): string[] {
  return [...actions].sort((a, b) => distance(a.name.toLowerCase(), name.toLowerCase()) - distance(b.name.toLowerCase(), name.toLowerCase())).slice(0, n).map((a) => a.name);
}

const sameEndpoint = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
const oddLine = (o: OddActionRecord) =>
  `${o.name ? `"${o.name}"` : `record #${o.index + 1}`}${o.id ? ` (${o.id})` : ''}: ${o.problems.join('; ')}${o.kept ? ` (read without ${o.dropped.join(', ')})` : ' (left out: no readable id or name)'}`;

export const opencxActionProbe: Probe<ActionEvidence, DiagnosisInput> = {
  id: ID,
  title: 'OpenCX action',
  causes: Object.values(causes),
  withoutEndpoint: true,
  skip: needs('action'),
  async gather(ctx) {
    const given = { endpoint: ctx.input.endpoint ?? null, method: ctx.input.method };
    let list;
    try {
      list = await opencxOf(ctx).actionList();
    } catch (err) {
      // With an endpoint the endpoint probes carry the verdict and this probe just could not run; without one, that
      // OpenCX could not be read IS the diagnosis.
      if (given.endpoint || !(err instanceof OpenCxError)) throw err;
      return { exchanges: [], action: null, closest: [], given, odd: [], unavailable: { kind: err.kind, message: err.message }, facts: { 'OpenCX': err.message } };
    }
    const { actions, odd } = list;
    const action = findAction(actions, ctx.input.action!) ?? null;
    const closest = action ? [] : closestNames(actions, ctx.input.action!);
    const facts: Record<string, string | number | null> = action
      ? { id: action.id, 'saved endpoint': action.api_endpoint ? redactUrl(action.api_endpoint) : null, 'saved method': action.request_type ?? null, status: action.status ?? null, channels: action.enabled_on_channel?.channels.join(', ') ?? null }
      : { actions: actions.length, 'closest names': closest.join(', ') || null };
    if (odd.length) facts['unreadable records'] = odd.map(oddLine).join(' | ');
    return { exchanges: [], action, closest, given, odd, unavailable: null, facts };
  },
  assess(ev, input): Finding[] {
    if (ev.unavailable) {
      const refused = ev.unavailable.kind === 'unauthorized' || ev.unavailable.kind === 'forbidden';
      return [finding(refused ? causes.keyRefused : causes.unavailable, ID, [ev.unavailable.message, 'No endpoint was given and OpenCX could not give the action\'s saved one: no probe of the endpoint ran'])];
    }
    if (!ev.action) {
      const dropped = ev.odd.filter((o) => !o.kept);
      return [finding(causes.missing, ID, [
        `No action named "${input.action}" among the organisation's ${ev.closest.length ? 'actions' : 'actions (none readable)'}`,
        ...(ev.closest.length ? [`Did you mean: ${ev.closest.map((n) => `"${n}"`).join(', ')}?`] : []),
        ...(dropped.length ? [`${dropped.length} record(s) could not be read and may be this action: ${dropped.map(oddLine).join('; ')}`] : []),
      ], {
        fix: ev.closest.length ? `Did you mean "${ev.closest[0]}"? ${causes.missing.fix}` : causes.missing.fix,
      })];
    }
    const out: Finding[] = [];
    const a = ev.action;
    const savedMethod = (a.request_type ?? 'GET').toUpperCase();
    if (ev.given.endpoint && ((a.api_endpoint && !sameEndpoint(a.api_endpoint, ev.given.endpoint)) || savedMethod !== ev.given.method)) {
      out.push(finding(causes.endpointMismatch, ID, [`Saved: ${savedMethod} ${a.api_endpoint ? redactUrl(a.api_endpoint) : '(none)'}`, `Diagnosed: ${ev.given.method} ${redactUrl(ev.given.endpoint)}`]));
    }
    if (!ev.given.endpoint) {
      const saved = a.api_endpoint ? EndpointSchema.safeParse(a.api_endpoint) : null;
      if (!saved) out.push(finding(causes.noEndpoint, ID, [`"${a.name}" (${a.id}) has no api_endpoint`]));
      else if (!saved.success) out.push(finding(causes.noEndpoint, ID, [`Saved: ${redactUrl(a.api_endpoint!)}`, saved.error.issues[0]!.message]));
    }
    if (a.status && a.status.toLowerCase() !== 'live') out.push(finding(causes.notLive, ID, [`status: ${a.status}`]));
    const mine = ev.odd.find((o) => o.kept && o.id === a.id);
    if (mine) out.push(finding(causes.oddRecord, ID, [oddLine(mine)]));
    return out;
  },
  summarize: (ev) => `found "${ev.action?.name}"`,
};
