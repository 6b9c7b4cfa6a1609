import { Type, type Static } from '@sinclair/typebox';

/**
 * The CloudEvents-shaped envelope every message travels in (DESIGN.md section 3). `id` is a ULID
 * and doubles as JetStream's `Nats-Msg-Id`, so a re-publish of the same envelope is dropped.
 */
export const Envelope = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: 'ULID; also the Nats-Msg-Id' }),
    type: Type.String({
      pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*\\.v[1-9][0-9]*$',
      description: '<aggregate|service>.<name>.v<version>',
    }),
    source: Type.String({ minLength: 1, description: 'The producing service or integration' }),
    time: Type.String({ format: 'date-time' }),
    subject: Type.String({
      pattern: '^ap\\.v[1-9][0-9]*\\.(evt|cmd|req)\\.',
      description: 'The bus subject',
    }),
    projectId: Type.Optional(Type.String()),
    correlationId: Type.Optional(Type.String({ description: 'The run or job this belongs to' })),
    causationId: Type.Optional(Type.String({ description: 'Id of the message that caused this one' })),
    traceparent: Type.Optional(Type.String({ description: 'W3C trace context' })),
    data: Type.Unknown(),
  },
  { $id: 'https://autopilot.dev/schemas/envelope.json', additionalProperties: true },
);
export type Envelope<D = unknown> = Omit<Static<typeof Envelope>, 'data'> & { data: D };
