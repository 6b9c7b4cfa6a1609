import { Type, type Static } from '@sinclair/typebox';

/** The error half of a reply: the responder's error code and message (never its stack). */
export const ReplyError = Type.Object(
  {
    code: Type.String({ minLength: 1, description: 'The error code: CONTRACT_VIOLATION, GOVERNANCE_…' }),
    message: Type.String({ description: "The responder's error message" }),
  },
  { additionalProperties: true },
);

/**
 * The body of a reply as it crosses the bus, sent to the requester's inbox: `{ reply }` holding the
 * value the request's reply schema describes, or `{ error }` when the responder failed or the
 * request or reply broke its contract.
 */
export const ReplyWire = Type.Union(
  [
    Type.Object(
      { reply: Type.Unknown({ description: "The answer; its schema is the request's reply schema" }) },
      { additionalProperties: true },
    ),
    Type.Object({ error: ReplyError }, { additionalProperties: true }),
  ],
  { $id: 'https://autopilot.dev/schemas/reply-wire.json' },
);
export type ReplyWire = Static<typeof ReplyWire>;
