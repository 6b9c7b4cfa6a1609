import { Type, type Static } from '@sinclair/typebox';
import { Id, Text } from './primitives';

/**
 * The short statement of what the blueprint is for, which plans, gaps and proposals are checked
 * against. Bounded at 2048 characters so it always fits in an LLM prompt beside the work.
 */
export const IntentionAnchor = Type.Object(
  {
    id: Id('Anchor id'),
    formatVersion: Type.Literal(1, { description: 'Version of the anchor format' }),
    text: Text(2048, 'The intention, in a few sentences'),
    pivots: Type.Array(Text(500, 'One pivot'), {
      maxItems: 20,
      description: 'The decisions the intention turns on: what must stay true whatever the plan becomes',
    }),
  },
  { description: 'An intention anchor' },
);
export type IntentionAnchor = Static<typeof IntentionAnchor>;
