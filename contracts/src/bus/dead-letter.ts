import { Type, type Static } from '@sinclair/typebox';

/**
 * A message a durable consumer gave up on, and why. The bus publishes one on `ap.dlq.<consumer>`
 * (stream AP_DLQ) per message and consumer; operators read them, and a fixed message can be
 * re-published from `message`.
 */
export const DeadLetter = Type.Object(
  {
    subject: Type.String({ minLength: 1, description: 'The subject the message arrived on' }),
    consumer: Type.String({ minLength: 1, description: 'The durable consumer that gave up on it' }),
    message: Type.Unknown({ description: 'The envelope when it parsed, else the raw text' }),
    reason: Type.String({ description: 'Why, in words: the validation issues or the last error' }),
    code: Type.String({
      minLength: 1,
      description:
        'CONTRACT_VIOLATION, BUS_NON_RETRYABLE, BUS_MAX_DELIVERIES, BUS_MALFORMED_ENVELOPE, BUS_UNKNOWN_TYPE, BUS_WRONG_VERSION',
    }),
    deliveryCount: Type.Integer({ minimum: 1, description: 'Deliveries of the message so far' }),
    at: Type.String({ format: 'date-time', description: 'When it was dead-lettered' }),
  },
  { $id: 'https://autopilot.dev/schemas/dead-letter.json', additionalProperties: true },
);
export type DeadLetter = Static<typeof DeadLetter>;

/** The subject of a consumer's dead letters; AP_DLQ binds `ap.dlq.*`. */
export const DEAD_LETTER_SUBJECT_PATTERN = 'ap.dlq.{consumer}';
