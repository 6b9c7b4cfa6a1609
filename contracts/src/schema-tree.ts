/** A JSON Schema node as plain JSON (after a JSON round-trip of a TypeBox schema). */
export type SchemaNode = Record<string, unknown>;

export const isSchemaNode = (value: unknown): value is SchemaNode =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Keywords whose value is a map of name → sub-schema. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'] as const;
/** Keywords whose value is a sub-schema or a list of them. */
const SCHEMA_SLOTS = [
  'items',
  'additionalItems',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
] as const;

/**
 * Calls `visit` on `schema` and every sub-schema in it, parents first. Follows JSON Schema keywords
 * rather than every value, so a field that happens to be named `properties`, or a `const` value
 * shaped like a schema, is never mistaken for a schema. `visit` may edit the node in place.
 */
export function visitSchemaTree(schema: unknown, visit: (node: SchemaNode) => void): void {
  if (Array.isArray(schema)) {
    for (const item of schema) visitSchemaTree(item, visit);
    return;
  }
  if (!isSchemaNode(schema)) return;
  visit(schema);
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (isSchemaNode(map)) for (const sub of Object.values(map)) visitSchemaTree(sub, visit);
  }
  for (const key of SCHEMA_SLOTS) visitSchemaTree(schema[key], visit);
}

/** A deep copy as plain JSON: drops TypeBox's symbol keys (Kind, Optional) and shares no objects. */
export const plainCopy = <T>(schema: T): SchemaNode => JSON.parse(JSON.stringify(schema)) as SchemaNode;
