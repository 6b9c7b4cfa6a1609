import { stringify } from 'yaml';
import { DEAD_LETTER_SUBJECT_PATTERN } from '../bus/dead-letter';
import type { MessageDef } from '../define-message';
import {
  DEAD_LETTER_SCHEMA_FILE,
  ENVELOPE_SCHEMA_FILE,
  payloadSchemaFile,
  replySchemaFile,
  REPLY_WIRE_SCHEMA_FILE,
} from './json-schema-files';

export const ASYNCAPI_FILE = 'asyncapi.yaml';

const DOCUMENT_DESCRIPTION = `Every message Autopilot's services exchange over NATS JetStream (DESIGN.md section 3).

Subjects: \`ap.v<N>.evt.<aggregate>.<event>\` for events, \`ap.v<N>.cmd.<service>.<command>\` for
commands, \`ap.v<N>.req.<service>.<call>\` for request/reply. The version is in the subject and in the
envelope \`type\`; a breaking change adds a v2 channel next to v1, never edits v1.

Envelope (schemas/envelope.json, CloudEvents-shaped): \`id\` (ULID), \`type\`
(\`<aggregate|service>.<name>.v<N>\`), \`source\` (producing service or integration), \`time\`,
\`subject\`, \`projectId\`, \`correlationId\` (the run or job), \`causationId\` (the message that caused
this one), \`traceparent\`, and \`data\`, the payload whose schema each channel names.

Headers: \`Nats-Msg-Id\` carries the envelope id, so JetStream drops a re-published duplicate;
\`traceparent\` (W3C trace context) carries the run's trace across services.

Streams: AP_EVENTS (limits retention: the event log the gateway replays), AP_WORK (work-queue
retention: commands), AP_DLQ (dead letters). Delivery is at least once: consumers de-duplicate by
envelope id. A message that fails validation is dead-lettered with the reason, never retried.

Readers are tolerant: they ignore properties they do not know, so adding an optional property is
a compatible change. Producers send only the properties the schema names.

Request/reply: the request travels in the envelope on its \`ap.v<N>.req...\` subject; the reply
body, sent to the requester's inbox, is \`{ "reply": ... }\` holding the reply schema's JSON, or
\`{ "error": { "code", "message" } }\` when the responder failed or the request or its reply broke
the contract (schemas/reply-wire.json).

Dead letters: a message a consumer gives up on (invalid, refused, out of deliveries) is recorded on
\`ap.dlq.<consumer>\` in AP_DLQ with the reason and code (schemas/dead-letter.json), once per
message and consumer.`;

const HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'Nats-Msg-Id': {
      type: 'string',
      description:
        'The envelope id (ULID); JetStream drops a second publish with the same id within its duplicate window',
    },
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C trace context of the span that published the message',
    },
    tracestate: { type: 'string', description: 'W3C trace state, when the tracer sets one' },
  },
};

type Json = Record<string, unknown>;
const ref = (pointer: string): Json => ({ $ref: pointer });
/** A path relative to this document, as `$ref` wants it. */
const fileRef = (path: string): Json => ref(`./${path}`);

const replyChannelId = (def: MessageDef): string => `${def.subject}.reply`;
const replyMessageId = (def: MessageDef): string => `${def.type}.reply`;

function messageFor(def: MessageDef): Json {
  return {
    name: def.type,
    title: def.type,
    summary: def.summary,
    contentType: 'application/json',
    tags: [{ name: def.kind }, { name: def.owner }],
    headers: ref('#/components/schemas/NatsHeaders'),
    payload: {
      description: `The envelope; its \`data\` is the ${def.type} payload.`,
      allOf: [
        ref('#/components/schemas/Envelope'),
        {
          type: 'object',
          required: ['type', 'subject', 'data'],
          properties: {
            type: { const: def.type },
            subject: { const: def.subject },
            data: fileRef(payloadSchemaFile(def)),
          },
        },
      ],
    },
  };
}

function replyMessageFor(def: MessageDef): Json {
  return {
    name: replyMessageId(def),
    title: replyMessageId(def),
    summary: `The reply to ${def.type}.`,
    contentType: 'application/json',
    payload: {
      description: `The reply wire format; its \`reply\` is the ${def.type} reply.`,
      allOf: [
        fileRef(REPLY_WIRE_SCHEMA_FILE),
        { type: 'object', properties: { reply: fileRef(replySchemaFile(def)) } },
      ],
    },
  };
}

/** The channel id (a `$ref` token) and address of the dead letters: one subject per consumer. */
export const DEAD_LETTER_CHANNEL = 'ap.dlq.consumer';
const DEAD_LETTER_ADDRESS = DEAD_LETTER_SUBJECT_PATTERN;
const DEAD_LETTER_MESSAGE = 'DeadLetter';

/** AP_DLQ: its channel, its message, and the bus of every consuming service sending on it. */
function deadLetterEntries(): {
  channel: [string, Json];
  message: [string, Json];
  operation: [string, Json];
} {
  return {
    channel: [
      DEAD_LETTER_CHANNEL,
      {
        address: DEAD_LETTER_ADDRESS,
        title: 'Dead letters',
        description:
          'Messages a durable consumer gave up on, with why (stream AP_DLQ). One per message and consumer: ' +
          'the bus publishes each with Nats-Msg-Id `<consumer>:<stream>:<stream sequence>`.',
        parameters: { consumer: { description: 'The durable consumer name: `<service>-<message>`' } },
        messages: { [DEAD_LETTER_MESSAGE]: ref(`#/components/messages/${DEAD_LETTER_MESSAGE}`) },
      },
    ],
    message: [
      DEAD_LETTER_MESSAGE,
      {
        name: DEAD_LETTER_MESSAGE,
        title: 'Dead letter',
        summary: 'A message a consumer gave up on: the message, the reason and an error code.',
        contentType: 'application/json',
        payload: fileRef(DEAD_LETTER_SCHEMA_FILE),
      },
    ],
    operation: [
      'bus.send.dead_letter',
      {
        action: 'send',
        channel: ref(`#/channels/${DEAD_LETTER_CHANNEL}`),
        summary: 'The bus of every consuming service records what its consumers give up on.',
        messages: [ref(`#/channels/${DEAD_LETTER_CHANNEL}/messages/${DEAD_LETTER_MESSAGE}`)],
      },
    ],
  };
}

const byKey = <T>(entries: [string, T][]): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The AsyncAPI 3.0.0 document, as a plain object with every map sorted by key. */
export function buildAsyncApiDocument(defs: readonly MessageDef[], version: string): Json {
  const channels: [string, Json][] = [];
  const operations: [string, Json][] = [];
  const messages: [string, Json][] = [];

  for (const def of defs) {
    const channelRef = ref(`#/channels/${def.subject}`);
    const messageRef = ref(`#/channels/${def.subject}/messages/${def.type}`);
    channels.push([
      def.subject,
      {
        address: def.subject,
        title: def.type,
        description: def.summary,
        messages: { [def.type]: ref(`#/components/messages/${def.type}`) },
      },
    ]);
    messages.push([def.type, messageFor(def)]);

    let reply: Json | undefined;
    if (def.reply) {
      const replyId = replyChannelId(def);
      channels.push([
        replyId,
        {
          // null address: the requester's inbox, chosen per request (NATS reply subject).
          address: null,
          title: replyMessageId(def),
          description: `Replies to ${def.type}, sent to the requester's inbox.`,
          messages: { [replyMessageId(def)]: ref(`#/components/messages/${replyMessageId(def)}`) },
        },
      ]);
      messages.push([replyMessageId(def), replyMessageFor(def)]);
      reply = {
        channel: ref(`#/channels/${replyId}`),
        messages: [ref(`#/channels/${replyId}/messages/${replyMessageId(def)}`)],
      };
    }

    const operation = (action: 'send' | 'receive', service: string): [string, Json] => [
      `${service}.${action}.${def.type}`,
      {
        action,
        channel: channelRef,
        summary: `${service} ${action === 'send' ? 'sends' : 'receives'} ${def.type}.`,
        messages: [messageRef],
        ...(reply ? { reply } : {}),
      },
    ];
    operations.push(operation('send', def.producer));
    for (const consumer of def.consumers) operations.push(operation('receive', consumer));
  }
  const deadLetters = deadLetterEntries();
  channels.push(deadLetters.channel);
  messages.push(deadLetters.message);
  operations.push(deadLetters.operation);

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Autopilot messages',
      version,
      description: DOCUMENT_DESCRIPTION,
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:4222',
        protocol: 'nats',
        description: 'NATS JetStream of the local cluster topology (NATS_URL)',
      },
    },
    channels: byKey(channels),
    operations: byKey(operations),
    components: {
      schemas: {
        DeadLetter: fileRef(DEAD_LETTER_SCHEMA_FILE),
        Envelope: fileRef(ENVELOPE_SCHEMA_FILE),
        ReplyWire: fileRef(REPLY_WIRE_SCHEMA_FILE),
        NatsHeaders: HEADERS_SCHEMA,
      },
      messages: byKey(messages),
    },
  };
}

/** The document as YAML text. Fixed options, so the same input always gives the same bytes. */
export function renderAsyncApiYaml(defs: readonly MessageDef[], version: string): string {
  return stringify(buildAsyncApiDocument(defs, version), {
    aliasDuplicateObjects: false, // shared objects repeat in full: no YAML anchors for readers to chase
    lineWidth: 0, // no folding: one line per value keeps the file greppable and diffs small
  });
}
