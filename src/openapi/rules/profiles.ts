import { defineCause } from '../../pipeline/finding.js';
import type { SchemaRule } from '../issue.js';
import { join } from '../pointer.js';

/** Optional checks against one AI provider's function-calling rules (research notes: diagnostics.md §1). */
export const PROFILES = ['openai-strict', 'gemini', 'anthropic'] as const;
export type Profile = (typeof PROFILES)[number];

const profileCause = (id: string, who: string, fix: string) =>
  defineCause({ id, family: 1, severity: 'warning', rank: 20, title: `The tool schema breaks ${who}'s function-calling rules`, meaning: `Fine for OpenCX's importer, but ${who} rejects it when this schema reaches it as a tool.`, fix });

export const causes = {
  openai: profileCause('spec-profile-openai-strict', 'OpenAI strict mode', 'Set additionalProperties: false on every object, list every property in required (optional ones as type [T, "null"]), and avoid allOf/not/oneOf.'),
  gemini: profileCause('spec-profile-gemini', 'Gemini', 'Remove keywords Gemini does not know ($ref, additionalProperties, const, exclusiveMinimum/Maximum, multipleOf, patternProperties, oneOf, allOf, not); use string enums and a single type.'),
  anthropic: profileCause('spec-profile-anthropic', 'Anthropic', 'Do not put oneOf/anyOf/allOf at the top of the input schema.'),
};

const GEMINI_UNKNOWN = ['additionalProperties', 'const', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'patternProperties', '$schema', 'oneOf', 'allOf', 'not'];
const OPENAI_UNSUPPORTED = ['allOf', 'not', 'oneOf', 'if', 'then', 'else', 'patternProperties', 'dependentSchemas', 'dependencies'];

export const profileRules: Record<Profile, SchemaRule> = {
  'openai-strict': {
    causes: [causes.openai],
    check(node, ctx) {
      const out = [];
      for (const k of OPENAI_UNSUPPORTED) if (node[k] !== undefined) out.push({ cause: causes.openai, pointer: join(ctx.pointer, k), message: `\`${k}\` is not supported in strict mode` });
      if (node['properties'] && node['additionalProperties'] !== false) out.push({ cause: causes.openai, pointer: ctx.pointer, message: 'object without additionalProperties: false' });
      const props = Object.keys((node['properties'] as object) ?? {});
      const req = new Set((node['required'] as string[]) ?? []);
      const optional = props.filter((p) => !req.has(p));
      if (optional.length) out.push({ cause: causes.openai, pointer: join(ctx.pointer, 'required'), message: `not in required: ${optional.slice(0, 5).join(', ')}${optional.length > 5 ? '…' : ''}` });
      return out;
    },
  },
  gemini: {
    causes: [causes.gemini],
    check(node, ctx) {
      const out = [];
      for (const k of GEMINI_UNKNOWN) if (node[k] !== undefined) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, k), message: `Unknown name "${k}": Cannot find field` });
      if (Array.isArray(node['type'])) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, 'type'), message: 'a type list: Proto field is not repeating' });
      if (Array.isArray(node['enum']) && (node['enum'] as unknown[]).some((v) => typeof v !== 'string')) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, 'enum'), message: 'non-string enum values' });
      return out;
    },
  },
  anthropic: {
    causes: [causes.anthropic],
    check(node, ctx) {
      if (ctx.depth !== 0) return [];
      return ['oneOf', 'anyOf', 'allOf'].filter((k) => node[k] !== undefined).map((k) => ({ cause: causes.anthropic, pointer: join(ctx.pointer, k), message: `input_schema does not support ${k} at the top level` }));
    },
  },
};
