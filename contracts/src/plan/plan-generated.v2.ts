import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { IntentionAnchor } from '../shared/intention-anchor';
import { PlanNode } from '../shared/plan-node';
import { Count, Id, Revision, Timestamp } from '../shared/primitives';
import { RevisionBase } from '../shared/revision-base';

/**
 * Nodes kept from the base revision: its nodes `[from, from + count)`, unchanged but for their
 * positions, which all move alike: `start` and `end` by `offsetShift`, `startLine` and `endLine` by
 * `lineShift` (an edit earlier in the blueprint moves everything after it).
 */
export const KeptPlanNodes = Type.Object(
  {
    keep: Type.Object(
      {
        from: Count('Index of the first kept node in the base revision'),
        count: Type.Integer({ minimum: 1, description: 'How many base nodes in a row are kept' }),
        offsetShift: Type.Optional(
          Type.Integer({ description: 'What their start and end offsets move by; absent: 0' }),
        ),
        lineShift: Type.Optional(
          Type.Integer({ description: 'What their startLine and endLine move by; absent: 0' }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'A run of nodes kept from the base revision' },
);
export type KeptPlanNodes = Static<typeof KeptPlanNodes>;

export const PlanGeneratedV2 = defineMessage({
  kind: 'event',
  aggregate: 'plan',
  name: 'generated',
  version: 2,
  producer: 'planner',
  consumers: ['gateway'],
  summary:
    'The plan graph for a blueprint version, told as a change to an earlier revision its consumers hold: ' +
    'the nodes new or changed, and runs of the base revision kept (v1 tells the plan whole).',
  data: Type.Object({
    planId: Id('Plan id; one plan per project, revised as blueprints change'),
    projectId: Id('Project'),
    blueprintId: Id('Blueprint the plan comes from'),
    blueprintVersion: Type.Integer({ minimum: 1, description: 'Blueprint version the plan comes from' }),
    base: RevisionBase(
      'The revision of this plan that `nodes` changes, which a consumer must hold to apply it',
    ),
    nodes: Type.Array(Type.Union([PlanNode, KeptPlanNodes]), {
      maxItems: 100_000,
      description:
        'Every node, parents before children: a node new or changed since the base whole, and runs of ' +
        'base nodes kept (`keep`)',
    }),
    anchor: IntentionAnchor,
    generatedAt: Timestamp('When the planner finished'),
    revision: Revision(),
  }),
});
export type PlanGeneratedV2 = Static<typeof PlanGeneratedV2.data>;
