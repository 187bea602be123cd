import { defineCause } from '../../pipeline/finding.js';
import type { SchemaRule } from '../issue.js';
import { join } from '../pointer.js';

export const JSON_SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
/** What the common non-JSON-Schema types mean, for the fix. */
export const TYPE_FIXES: Record<string, Record<string, string>> = {
  file: { type: 'string', format: 'binary' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  'date-time': { type: 'string', format: 'date-time' },
  int: { type: 'integer' },
  long: { type: 'integer', format: 'int64' },
  float: { type: 'number', format: 'float' },
  double: { type: 'number', format: 'double' },
  bool: { type: 'boolean' },
  str: { type: 'string' },
  uuid: { type: 'string', format: 'uuid' },
  map: { type: 'object' },
  dict: { type: 'object' },
  list: { type: 'array' },
};

export const causes = {
  badType: defineCause({
    id: 'spec-invalid-type', family: 1, severity: 'error', rank: 75,
    title: 'A type that is not JSON Schema',
    meaning: 'Types like file, date or int are not JSON Schema types; the tool validator rejects the operation (invalid_tool_schema).',
    fix: 'Use a JSON Schema type with a format instead: file → string/binary, date → string/date, int → integer.',
  }),
  arrayNoItems: defineCause({
    id: 'spec-array-without-items', family: 1, severity: 'error', rank: 70,
    title: 'An array without `items`',
    meaning: 'AI providers reject array schemas that do not say what they contain ("array schema missing items").',
    fix: 'Add `items` to the array schema (e.g. items: {type: string}).',
  }),
  nullable: defineCause({
    id: 'spec-nullable-misuse', family: 1, severity: 'warning', rank: 40,
    title: 'nullable used the way the other OpenAPI version means it',
    meaning: 'OAS 3.0 uses `nullable: true`; 3.1 uses `type: [T, "null"]`. Mixed up, the field is read as non-nullable or the schema is invalid.',
    fix: 'In 3.0 write nullable: true next to a single type; in 3.1 write type: [T, "null"] (action-debug spec --fix does this where the type is written).',
  }),
};

export const typesRule: SchemaRule = {
  causes: Object.values(causes),
  check(node, ctx) {
    const out = [];
    const t = node['type'];
    const list = Array.isArray(t) ? t : t === undefined ? [] : [t];
    for (const one of list) {
      if (typeof one !== 'string' || !JSON_SCHEMA_TYPES.has(one)) out.push({ cause: causes.badType, pointer: join(ctx.pointer, 'type'), message: `type "${String(one)}"` });
    }
    if (list.includes('array') && node['items'] === undefined && node['prefixItems'] === undefined) {
      out.push({ cause: causes.arrayNoItems, pointer: ctx.pointer, message: 'type array without items' });
    }
    if (ctx.version === '3.1' && node['nullable'] !== undefined) {
      out.push({ cause: causes.nullable, pointer: join(ctx.pointer, 'nullable'), message: '`nullable` is ignored in OpenAPI 3.1: use type: [T, "null"]' });
    }
    if (ctx.version !== '3.1' && (Array.isArray(t) || t === 'null')) {
      out.push({ cause: causes.nullable, pointer: join(ctx.pointer, 'type'), message: 'a type list or "null" type is OpenAPI 3.1: in 3.0 use nullable: true' });
    }
    if (ctx.version === '3.0' && node['nullable'] === true && t === undefined && !node['$ref'] && !node['allOf'] && !node['oneOf'] && !node['anyOf']) {
      out.push({ cause: causes.nullable, pointer: join(ctx.pointer, 'nullable'), message: '`nullable: true` without a type has no effect' });
    }
    return out;
  },
};
