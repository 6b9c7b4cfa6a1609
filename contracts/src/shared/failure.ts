import { Type, type Static } from '@sinclair/typebox';

/** Why something failed: a code to branch on and a message for people (scrubbed of secrets). */
export const Failure = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, description: 'AREA_UPPER_SNAKE error code' }),
    message: Type.String({ maxLength: 2000, description: 'Human-readable reason, no secrets' }),
  },
  { description: 'Why it failed' },
);
export type Failure = Static<typeof Failure>;
