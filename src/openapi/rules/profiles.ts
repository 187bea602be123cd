import { defineCause } from '../../pipeline/finding.js';
import type { SchemaRule, SpecIssue } from '../issue.js';
import { get, join, refToPointer } from '../pointer.js';

/**
 * Optional checks against one AI provider's function-calling rules. Every rule says where it comes from (a doc
 * page, an SDK file or an error users reported) and when it was checked: providers change these, re-check them.
 * `gemini` is the JSON-Schema field (`parametersJsonSchema`, 2025-11); `gemini-legacy` the older `parameters`
 * Schema (an OpenAPI 3.0 subset).
 */
export const PROFILES = ['openai-strict', 'gemini', 'gemini-legacy', 'anthropic'] as const;
export type Profile = (typeof PROFILES)[number];

const profileCause = (id: string, who: string, fix: string) =>
  defineCause({ id, family: 1, severity: 'warning', rank: 20, title: `The tool schema breaks ${who}'s function-calling rules`, meaning: `Fine for OpenCX's importer, but ${who} rejects it when this schema reaches it as a tool.`, fix });

export const causes = {
  openai: profileCause('spec-profile-openai-strict', 'OpenAI strict mode', 'Set additionalProperties: false on every object (maps and free-form objects cannot be strict), list every property in required (optional ones nullable: `nullable: true` in OAS 3.0, `type: [T, "null"]` in 3.1), avoid allOf/not/oneOf, keep within the size limits, and name the operation with letters, digits, _ or - (64 at most).'),
  gemini: profileCause('spec-profile-gemini', 'Gemini', 'Remove the keywords Gemini does not know (the message says which API field: parametersJsonSchema or the older parameters Schema); use string enums and a single type; name the operation with letters, digits, _ . : or - (64 at most, starting with a letter or _).'),
  anthropic: profileCause('spec-profile-anthropic', 'Anthropic', 'Do not put oneOf/anyOf/allOf at the top of the input schema (also behind a body $ref), write exclusiveMinimum/Maximum as numbers (JSON Schema 2020-12), and name the operation with letters, digits, _ or - (64 at most).'),
};

/** Gemini's older `parameters` Schema: fields outside this OpenAPI subset fail with `Unknown name "…": Cannot find field`. */
// Source: Vertex AI REST reference, Schema ("a select subset of an OpenAPI 3.0 schema object"), and the allowed-key list
// in nousresearch/hermes-agent agent/gemini_schema.py (_GEMINI_SCHEMA_ALLOWED_KEYS). Checked 2025-11-25.
const GEMINI_LEGACY_UNKNOWN = ['additionalProperties', 'const', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'patternProperties', '$schema', 'oneOf', 'allOf', 'not', 'uniqueItems', 'readOnly', 'writeOnly', 'propertyNames', 'prefixItems', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'contains'];
/** `parametersJsonSchema` (since 2025-11-05) accepts $ref, anyOf, additionalProperties; these stay unsupported. */
// Source: typia.io IGeminiSchema ("prior to 2025-11-05 … now supports nearly all JSON schema features"), Gemini API
// function-calling docs (supported JSON Schema keywords list, which has no uniqueItems/readOnly/propertyNames). Checked 2025-11-25.
const GEMINI_JSON_UNSUPPORTED = ['uniqueItems', 'readOnly', 'writeOnly', 'propertyNames', 'not', 'if', 'then', 'else', 'patternProperties', 'dependentSchemas'];
// Source: OpenAI Structured Outputs guide, "Supported schemas" (keywords not supported in strict mode). Checked 2025-11-25.
const OPENAI_UNSUPPORTED = ['allOf', 'not', 'oneOf', 'if', 'then', 'else', 'patternProperties', 'dependentSchemas', 'dependencies'];

const isObjectSchema = (node: Record<string, unknown>) => node['type'] === 'object' || (Array.isArray(node['type']) && node['type'].includes('object')) || node['properties'] !== undefined;
const nullableText = (version: string) => (version === '3.1' ? 'type: [T, "null"]' : 'nullable: true');

export const profileRules: Record<Profile, SchemaRule> = {
  'openai-strict': {
    causes: [causes.openai],
    check(node, ctx) {
      const out = [];
      for (const k of OPENAI_UNSUPPORTED) if (node[k] !== undefined) out.push({ cause: causes.openai, pointer: join(ctx.pointer, k), message: `\`${k}\` is not supported in strict mode` });
      // Strict mode needs additionalProperties: false on EVERY object, maps and free-form ones included
      // (OpenAI Structured Outputs guide, "additionalProperties: false must always be set in objects"; checked 2025-11-25).
      if (isObjectSchema(node) && node['additionalProperties'] !== false) {
        const kind = node['properties'] ? 'object' : node['additionalProperties'] && node['additionalProperties'] !== true ? 'map (additionalProperties schema)' : 'free-form object';
        out.push({ cause: causes.openai, pointer: ctx.pointer, message: `${kind} without additionalProperties: false` });
      }
      const props = Object.keys((node['properties'] as object) ?? {});
      const req = new Set((node['required'] as string[]) ?? []);
      const optional = props.filter((p) => !req.has(p));
      // Every field required; optional ones written nullable (guide, "All fields must be required"; checked 2025-11-25).
      if (optional.length) out.push({ cause: causes.openai, pointer: join(ctx.pointer, 'required'), message: `not in required: ${optional.slice(0, 5).join(', ')}${optional.length > 5 ? '…' : ''} (list them, optional ones with ${nullableText(ctx.version)})` });
      return out;
    },
  },
  gemini: {
    causes: [causes.gemini],
    check(node, ctx) {
      return GEMINI_JSON_UNSUPPORTED.filter((k) => node[k] !== undefined).map((k) => ({ cause: causes.gemini, pointer: join(ctx.pointer, k), message: `parametersJsonSchema: "${k}" is not supported` }));
    },
  },
  'gemini-legacy': {
    causes: [causes.gemini],
    check(node, ctx) {
      const out = [];
      for (const k of GEMINI_LEGACY_UNKNOWN) if (node[k] !== undefined) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, k), message: `parameters (legacy Schema): Unknown name "${k}": Cannot find field` });
      if (Array.isArray(node['type'])) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, 'type'), message: 'parameters (legacy Schema): a type list: Proto field is not repeating' });
      if (Array.isArray(node['enum']) && (node['enum'] as unknown[]).some((v) => typeof v !== 'string')) out.push({ cause: causes.gemini, pointer: join(ctx.pointer, 'enum'), message: 'parameters (legacy Schema): non-string enum values' });
      return out;
    },
  },
  anthropic: {
    causes: [causes.anthropic],
    check(node, ctx) {
      const out: Omit<SpecIssue, 'operation'>[] = [];
      if (ctx.depth === 0) for (const k of ['oneOf', 'anyOf', 'allOf']) if (node[k] !== undefined) out.push({ cause: causes.anthropic, pointer: join(ctx.pointer, k), message: `input_schema does not support ${k} at the top level` });
      // OAS 3.0 writes exclusiveMinimum: true (a flag); JSON Schema 2020-12, which Anthropic validates input_schema
      // against, wants a number. Source: reported error "input_schema: JSON schema is invalid. It must match JSON Schema
      // draft 2020-12" (anthropics/claude-code#9605, 2025-10-15). Checked 2025-11-25.
      for (const k of ['exclusiveMinimum', 'exclusiveMaximum']) if (typeof node[k] === 'boolean') out.push({ cause: causes.anthropic, pointer: join(ctx.pointer, k), message: `${k}: ${String(node[k])} is OAS 3.0; JSON Schema 2020-12 needs a number` });
      return out;
    },
  },
};

/**
 * Tool names: OpenCX names the tool from operationId, else summary.
 * - OpenAI: ^[a-zA-Z0-9_-]+$, at most 64 ("Invalid 'tools[0].function.name': string too long. Expected a string with
 *   maximum length 64", ravitemer/mcphub.nvim#243, 2025-09-08); description at most 1024. Checked 2025-11-25.
 * - Anthropic: ^[a-zA-Z0-9_-]{1,64}$ as documented (tool use overview). The API's own error currently says {1,128}
 *   (home-assistant/core#147760, anthropics/claude-code#96152): we keep the documented 64. Checked 2025-11-25.
 * - Gemini: starts with a letter or _, then letters, digits, _ . : -, at most 64 ("Invalid function name. Must start
 *   with a letter or an underscore…", google-gemini/gemini-cli#2966). Checked 2025-11-25.
 */
const NAME_RULES: Record<Profile, { re: RegExp; says: string; cause: typeof causes.openai; descriptionMax?: number }> = {
  'openai-strict': { re: /^[a-zA-Z0-9_-]{1,64}$/, says: 'letters, digits, _ and -, 64 at most', cause: causes.openai, descriptionMax: 1024 },
  anthropic: { re: /^[a-zA-Z0-9_-]{1,64}$/, says: 'letters, digits, _ and -, 1 to 64', cause: causes.anthropic },
  gemini: { re: /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/, says: 'a letter or _ first, then letters, digits, _ . : -, 64 at most', cause: causes.gemini },
  'gemini-legacy': { re: /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/, says: 'a letter or _ first, then letters, digits, _ . : -, 64 at most', cause: causes.gemini },
};

/** OpenAI strict-mode size limits (Structured Outputs guide, "Supported schemas"; checked 2025-11-25). */
export const OPENAI_LIMITS = { properties: 5000, depth: 10, enumValues: 1000, chars: 120_000, bigEnum: 250, bigEnumChars: 15_000 };

export interface OperationInput {
  name: string;
  description: string;
  pointer: string;
  version: '2.0' | '3.0' | '3.1';
  /** The body's root schema (through $refs) and where it lives, when there is one. */
  body: { schema: Record<string, unknown>; at: string } | null;
  /** Query/path/header parameters: name, required, where. */
  params: { name: string; required: boolean; at: string }[];
  /** Every schema the input holds (roots), for the size limits. */
  roots: unknown[];
}

/** Rules on the whole tool (its name, its description, its size) rather than one schema node. */
export function profileOperationIssues(profile: Profile, api: Record<string, unknown>, op: OperationInput): Omit<SpecIssue, 'operation'>[] {
  const out: Omit<SpecIssue, 'operation'>[] = [];
  const rule = NAME_RULES[profile];
  if (!rule.re.test(op.name)) out.push({ cause: rule.cause, pointer: op.pointer, message: `tool name "${op.name.slice(0, 80)}" (${op.name.length} characters): the name must be ${rule.says}` });
  if (rule.descriptionMax && op.description.length > rule.descriptionMax) out.push({ cause: rule.cause, pointer: op.pointer, message: `description has ${op.description.length} characters (at most ${rule.descriptionMax})` });
  if (profile === 'anthropic' && op.body) {
    // The body's root is often a $ref: its target's top level is the tool's top level.
    for (const k of ['oneOf', 'anyOf', 'allOf']) if (op.body.schema[k] !== undefined && !op.body.at.startsWith(op.pointer + '/')) out.push({ cause: causes.anthropic, pointer: join(op.body.at, k), message: `input_schema does not support ${k} at the top level (behind the body's $ref)` });
  }
  if (profile === 'openai-strict') {
    const optional = op.params.filter((p) => !p.required);
    if (optional.length) out.push({ cause: causes.openai, pointer: optional[0]!.at, message: `optional parameters ${optional.slice(0, 5).map((p) => p.name).join(', ')}${optional.length > 5 ? '…' : ''}: strict mode wants every field required (make them required and nullable: ${nullableText(op.version)})` });
    const size = measure(api, op.roots);
    const over: string[] = [];
    if (size.properties > OPENAI_LIMITS.properties) over.push(`${size.properties} properties (limit ${OPENAI_LIMITS.properties})`);
    if (size.depth > OPENAI_LIMITS.depth) over.push(`${size.depth} levels of nesting (limit ${OPENAI_LIMITS.depth})`);
    if (size.enumValues > OPENAI_LIMITS.enumValues) over.push(`${size.enumValues} enum values (limit ${OPENAI_LIMITS.enumValues})`);
    if (size.chars > OPENAI_LIMITS.chars) over.push(`${size.chars} characters of names and enum values (limit ${OPENAI_LIMITS.chars})`);
    if (size.bigEnumChars > OPENAI_LIMITS.bigEnumChars) over.push(`an enum of more than ${OPENAI_LIMITS.bigEnum} values with ${size.bigEnumChars} characters (limit ${OPENAI_LIMITS.bigEnumChars})`);
    if (over.length) out.push({ cause: causes.openai, pointer: op.pointer, message: `the tool schema is too big for strict mode: ${over.join(', ')}` });
  }
  return out;
}

/** Size of the tool schema as OpenAI counts it, following $refs (each cycle is entered once: cycles are their own finding). */
function measure(api: Record<string, unknown>, roots: unknown[]) {
  const size = { properties: 0, depth: 0, enumValues: 0, chars: 0, bigEnumChars: 0 };
  const onPath = new Set<unknown>();
  const visit = (n: unknown, depth: number): void => {
    if (!n || typeof n !== 'object' || onPath.has(n) || depth > 64) return;
    const o = n as Record<string, unknown>;
    if (typeof o['$ref'] === 'string') {
      const t = o['$ref'].startsWith('#') ? get(api, refToPointer(o['$ref'])) : undefined;
      onPath.add(n);
      visit(t, depth);
      onPath.delete(n);
      return;
    }
    onPath.add(n);
    size.depth = Math.max(size.depth, depth);
    if (o['properties'] && typeof o['properties'] === 'object') {
      for (const [k, v] of Object.entries(o['properties'] as object)) {
        size.properties++;
        size.chars += k.length;
        visit(v, depth + 1);
      }
    }
    if (Array.isArray(o['enum'])) {
      const vals = (o['enum'] as unknown[]).map((v) => String(v));
      size.enumValues += vals.length;
      const chars = vals.reduce((s, v) => s + v.length, 0);
      size.chars += chars;
      if (vals.length > OPENAI_LIMITS.bigEnum) size.bigEnumChars = Math.max(size.bigEnumChars, chars);
    }
    for (const k of ['items', 'additionalProperties']) if (o[k] && typeof o[k] === 'object') visit(o[k], depth + (k === 'items' ? 0 : 1));
    for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(o[k])) for (const b of o[k] as unknown[]) visit(b, depth);
    onPath.delete(n);
  };
  for (const r of roots) visit(r, 1);
  return size;
}
