import { clip } from '../core/redact.js';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import type { DiagnosisInput } from '../pipeline/input.js';
import { findAction, needs, opencxOf, overlap, words } from '../opencx/facts.js';
import { VERBS } from '../openapi/check.js';

const ID = 'opencx-description';
const MIN_CHARS = 20;
/** Above this share of common content words, the AI cannot reliably tell two actions apart. */
const OVERLAP = 0.5;

export const causes = {
  short: defineCause({
    id: 'opencx-description-short', family: 4, severity: 'error', rank: 70,
    title: 'The action\'s description is too short',
    meaning: `Under ${MIN_CHARS} characters the AI has too little to match a customer's request to the action.`,
    fix: 'Describe what the action does with a verb and a noun, e.g. "Look up an order by ID and return its status and tracking".',
  }),
  vague: defineCause({
    id: 'opencx-description-vague', family: 4, severity: 'warning', rank: 50,
    title: 'The action\'s description has no clear verb and noun',
    meaning: 'The AI picks actions by name and description; without saying what it does (a verb) to what (a noun) it rarely matches intent.',
    fix: 'Rewrite it as verb + noun + what comes back, e.g. "Look up an order by ID and return its status and tracking".',
  }),
  overlap: defineCause({
    id: 'opencx-description-overlap', family: 4, severity: 'warning', rank: 55,
    title: 'Another enabled action has almost the same description',
    meaning: 'With overlapping descriptions the AI cannot tell the actions apart and may call the other one.',
    fix: 'Make each description say what only that action does (its object, its input, what it returns).',
  }),
};

interface DescriptionEvidence extends Evidence {
  description: string | null;
  similar: { name: string; description: string; score: number }[];
  found: boolean;
}

export const opencxDescriptionProbe: Probe<DescriptionEvidence, DiagnosisInput> = {
  id: ID,
  title: 'Action description',
  causes: Object.values(causes),
  withoutEndpoint: true,
  skip: needs('action'),
  async gather(ctx) {
    const actions = await opencxOf(ctx).actions();
    const action = findAction(actions, ctx.input.action!);
    const description = action ? (action.description ?? '').trim() : null;
    const similar = action && description
      ? actions
          .filter((a) => a.id !== action.id && (a.enabled_on_channel?.channels.length ?? 1) > 0 && a.description)
          .map((a) => ({ name: a.name, description: a.description!, score: overlap(`${action.name} ${description}`, `${a.name} ${a.description}`) }))
          .filter((x) => x.score >= OVERLAP)
          .sort((a, b) => b.score - a.score)
      : [];
    return { exchanges: [], description, similar, found: !!action, facts: { description: description ?? null, 'similar actions': similar.map((s) => s.name).join(', ') || null } };
  },
  assess(ev): Finding[] {
    if (!ev.found) return [];
    const d = ev.description ?? '';
    const out: Finding[] = [];
    if (d.length < MIN_CHARS) out.push(finding(causes.short, ID, [`"${d}" has ${d.length} characters`]));
    else if (!VERBS.test(d) || words(d).size < 2) out.push(finding(causes.vague, ID, [`"${d}"`]));
    for (const s of ev.similar.slice(0, 2)) {
      out.push(finding(causes.overlap, ID, [`This action: "${d}"`, `"${s.name}": "${s.description}" (${Math.round(s.score * 100)}% the same words)`]));
    }
    return out;
  },
  summarize: (ev) => `"${clip(ev.description ?? '', 60, '')}"`,
};
