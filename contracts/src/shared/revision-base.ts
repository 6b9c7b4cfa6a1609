import { Type } from '@sinclair/typebox';
import { Timestamp } from './primitives';

/**
 * The earlier revision a change is told against. Its time is part of its name: a planner whose store
 * was reset numbers revisions from 1 again, and a consumer holding the old revision 3 must not apply
 * a change to the new one.
 */
export const RevisionBase = (description: string) =>
  Type.Object(
    {
      revision: Type.Integer({ minimum: 1, description: 'The base revision' }),
      generatedAt: Timestamp('When the base revision was generated (its `generatedAt`)'),
    },
    {
      additionalProperties: false,
      description: `${description}; one that does not asks the planner to announce the revision whole (\`cmd.planner.announce_plan\`)`,
    },
  );
