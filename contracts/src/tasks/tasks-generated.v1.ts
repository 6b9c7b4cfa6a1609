import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { IntentionAnchor } from '../shared/intention-anchor';
import { Id, Timestamp } from '../shared/primitives';
import { TaskSpec } from '../shared/task-spec';

export const TasksGeneratedV1 = defineMessage({
  kind: 'event',
  aggregate: 'tasks',
  name: 'generated',
  version: 1,
  producer: 'planner',
  consumers: ['manager', 'gateway'],
  summary: 'The task graph of a plan: every task spec with its dependencies.',
  data: Type.Object({
    projectId: Id('Project'),
    planId: Id('Plan the tasks come from'),
    planRevision: Type.Integer({ minimum: 1, description: 'Plan revision the tasks come from' }),
    blueprintId: Id('Blueprint'),
    blueprintVersion: Type.Integer({ minimum: 1, description: 'Blueprint version' }),
    anchorId: Id('Intention anchor the tasks serve'),
    // @since issue 15: the manager hands the anchor to every run without reading the whole plan.
    anchor: Type.Optional(IntentionAnchor),
    tasks: Type.Array(TaskSpec, {
      maxItems: 100_000,
      description:
        'The whole task graph, in dependency order; a task missing from a later graph is no longer wanted',
    }),
    generatedAt: Timestamp('When the planner finished'),
  }),
});
export type TasksGeneratedV1 = Static<typeof TasksGeneratedV1.data>;
