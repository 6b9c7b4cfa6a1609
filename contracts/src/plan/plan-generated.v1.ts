import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { IntentionAnchor } from '../shared/intention-anchor';
import { PlanNode } from '../shared/plan-node';
import { Id, Revision, Timestamp } from '../shared/primitives';

export const PlanGeneratedV1 = defineMessage({
  kind: 'event',
  aggregate: 'plan',
  name: 'generated',
  version: 1,
  producer: 'planner',
  consumers: ['gateway'],
  summary: 'The plan graph for a blueprint version, with its intention anchor: the whole plan.',
  data: Type.Object({
    planId: Id('Plan id; one plan per project, revised as blueprints change'),
    projectId: Id('Project'),
    blueprintId: Id('Blueprint the plan comes from'),
    blueprintVersion: Type.Integer({ minimum: 1, description: 'Blueprint version the plan comes from' }),
    nodes: Type.Array(PlanNode, {
      maxItems: 100_000,
      description: 'Every node, parents before children (blueprints carry up to 100k sections)',
    }),
    anchor: IntentionAnchor,
    generatedAt: Timestamp('When the planner finished'),
    revision: Revision(),
  }),
});
export type PlanGeneratedV1 = Static<typeof PlanGeneratedV1.data>;
