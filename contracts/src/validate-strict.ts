import type { TSchema } from '@sinclair/typebox';
import type { MessageDef } from './define-message';
import { isSchemaNode, plainCopy, visitSchemaTree } from './schema-tree';
import { validateSchema, type ValidationIssue } from './validate';

/**
 * A deep copy of `schema` in which every object schema that leaves `additionalProperties` unset
 * refuses unknown properties. The copy is only ever handed to ajv.
 */
export function closeObjectSchemas(schema: TSchema): TSchema {
  const copy = plainCopy(schema);
  visitSchemaTree(copy, (node) => {
    if (
      isSchemaNode(node['properties']) &&
      node['additionalProperties'] === undefined &&
      !node['patternProperties']
    ) {
      node['additionalProperties'] = false;
    }
  });
  return copy as TSchema;
}

const strictCopies = new WeakMap<TSchema, TSchema>();

function strictCopyOf(schema: TSchema): TSchema {
  let copy = strictCopies.get(schema);
  if (!copy) {
    copy = closeObjectSchemas(schema);
    strictCopies.set(schema, copy);
  }
  return copy;
}

/**
 * Checks a payload as a producer's test should: like `validate`, and also refusing properties the
 * contract does not name (a typo such as `costUSD` is an `additionalProperties` issue). Consumers
 * stay tolerant readers and use `validate`, so adding an optional field never breaks them.
 */
export function validateStrict(def: MessageDef, payload: unknown): ValidationIssue[] {
  return validateSchema(strictCopyOf(def.data), payload);
}

/** `validateStrict` for a request's reply: for responders' tests. */
export function validateReplyStrict(def: MessageDef, reply: unknown): ValidationIssue[] {
  return def.reply ? validateSchema(strictCopyOf(def.reply), reply) : [];
}
