import { defineCause } from '../../pipeline/finding.js';
import type { SchemaRule } from '../issue.js';
import { join } from '../pointer.js';

export const causes = {
  oneOf: defineCause({
    id: 'spec-oneof', family: 1, severity: 'error', rank: 80,
    title: 'The operation\'s input uses oneOf/anyOf',
    meaning: 'OpenCX\'s tool validator rejects nested oneOf/anyOf (invalid_tool_schema); at the top level most AI providers reject them too.',
    fix: 'Flatten the oneOf/anyOf into one object with the union of the properties, all optional and described (action-debug spec --fix does this).',
  }),
  not: defineCause({
    id: 'spec-not', family: 1, severity: 'error', rank: 70,
    title: 'The operation\'s input uses `not`',
    meaning: '`not` has no function-calling equivalent; tool validators reject it.',
    fix: 'Remove the `not` and describe the restriction in the property\'s description.',
  }),
  allOfConflict: defineCause({
    id: 'spec-allof-conflict', family: 1, severity: 'error', rank: 70,
    title: 'An allOf cannot be merged (its parts have different types)',
    meaning: 'allOf branches declare conflicting types, so no single tool schema satisfies them.',
    fix: 'Rewrite the allOf as one schema of one type.',
  }),
};

export const compositionRule: SchemaRule = {
  causes: Object.values(causes),
  check(node, ctx) {
    const out = [];
    for (const k of ['oneOf', 'anyOf'] as const) {
      if (Array.isArray(node[k])) {
        const where = ctx.depth === 0 ? 'at the top of the input' : ctx.depth === null ? 'in a schema the input refers to' : 'nested in the input';
        out.push({ cause: causes.oneOf, pointer: join(ctx.pointer, k), message: `${k} with ${(node[k] as unknown[]).length} branches ${where}` });
      }
    }
    if (node['not'] !== undefined) out.push({ cause: causes.not, pointer: join(ctx.pointer, 'not'), message: '`not` keyword' });
    if (Array.isArray(node['allOf'])) {
      const types = new Set((node['allOf'] as Record<string, unknown>[]).map((b) => b?.['type']).filter((t) => typeof t === 'string'));
      if (types.size > 1) out.push({ cause: causes.allOfConflict, pointer: join(ctx.pointer, 'allOf'), message: `allOf mixes types ${[...types].join(' and ')}` });
    }
    return out;
  },
};
