import type { TSchema } from '@sinclair/typebox';
import type { MessageDef } from '../define-message';
import { DeadLetter } from '../bus/dead-letter';
import { ReplyWire } from '../bus/reply-wire';
import { Envelope } from '../envelope';
import { plainCopy, visitSchemaTree, type SchemaNode } from '../schema-tree';

/** Draft-07: the dialect ajv's default `Ajv` class (what `validate` uses) validates. */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** Where generated schemas live, relative to the contracts package. */
export const SCHEMA_DIR = 'schemas';

export const payloadSchemaFile = (def: MessageDef): string => `${SCHEMA_DIR}/${def.subject}.json`;
export const replySchemaFile = (def: MessageDef): string => `${SCHEMA_DIR}/${def.subject}.reply.json`;
export const ENVELOPE_SCHEMA_FILE = `${SCHEMA_DIR}/envelope.json`;
/** What the bus records on `ap.dlq.<consumer>`. */
export const DEAD_LETTER_SCHEMA_FILE = `${SCHEMA_DIR}/dead-letter.json`;
/** The body of every reply: `{ reply }` or `{ error }`. */
export const REPLY_WIRE_SCHEMA_FILE = `${SCHEMA_DIR}/reply-wire.json`;

/** The `$id` of a request's reply schema, next to its payload's. */
export const replySchemaId = (def: MessageDef): string => def.schemaId.replace(/\.json$/, '.reply.json');

interface SchemaHeader {
  $id: string;
  title: string;
  description: string;
}

/** Keywords that say what a node is, first in every node; the rest keep their source order. */
const LEADING_KEYWORDS = ['$schema', '$id', 'title', 'description', 'type'];

function leadWithIdentity(node: SchemaNode): void {
  const entries = Object.entries(node);
  for (const [key] of entries) delete node[key];
  for (const key of LEADING_KEYWORDS) {
    const entry = entries.find(([k]) => k === key);
    if (entry) node[key] = entry[1];
  }
  for (const [key, value] of entries) if (!LEADING_KEYWORDS.includes(key)) node[key] = value;
}

/**
 * A TypeBox schema as a standalone JSON Schema document, keys in a fixed order: identity keywords
 * first, then the rest in source order (so `properties` list fields as the contract writes them).
 */
export function toSchemaDocument(schema: TSchema, header: SchemaHeader): SchemaNode {
  const document: SchemaNode = { $schema: JSON_SCHEMA_DIALECT, ...plainCopy(schema), ...header };
  visitSchemaTree(document, leadWithIdentity);
  return document;
}

const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Every JSON Schema file: one per payload, one per reply, the envelope, and the two shapes the bus
 * itself sends (dead letters, the reply wire format). Path → text.
 */
export function renderJsonSchemaFiles(defs: readonly MessageDef[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    ENVELOPE_SCHEMA_FILE,
    toJson(
      toSchemaDocument(Envelope, {
        $id: Envelope.$id ?? 'https://autopilot.dev/schemas/envelope.json',
        title: 'Autopilot message envelope',
        description:
          'CloudEvents-shaped envelope every message travels in; `data` holds the payload named by `type`.',
      }),
    ),
  );
  files.set(
    DEAD_LETTER_SCHEMA_FILE,
    toJson(
      toSchemaDocument(DeadLetter, {
        $id: DeadLetter.$id ?? 'https://autopilot.dev/schemas/dead-letter.json',
        title: 'Autopilot dead letter',
        description:
          'A message a durable consumer gave up on, with why; published on ap.dlq.<consumer> (stream AP_DLQ).',
      }),
    ),
  );
  files.set(
    REPLY_WIRE_SCHEMA_FILE,
    toJson(
      toSchemaDocument(ReplyWire, {
        $id: ReplyWire.$id ?? 'https://autopilot.dev/schemas/reply-wire.json',
        title: 'Autopilot reply',
        description:
          "The body of a reply on the requester's inbox: `reply` holds the request's reply schema, `error` the responder's code and message.",
      }),
    ),
  );
  for (const def of defs) {
    files.set(
      payloadSchemaFile(def),
      toJson(toSchemaDocument(def.data, { $id: def.schemaId, title: def.type, description: def.summary })),
    );
    if (def.reply) {
      files.set(
        replySchemaFile(def),
        toJson(
          toSchemaDocument(def.reply, {
            $id: replySchemaId(def),
            title: `${def.type} reply`,
            description: `The reply to ${def.type}.`,
          }),
        ),
      );
    }
  }
  return files;
}
