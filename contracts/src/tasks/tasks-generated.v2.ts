import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { IntentionAnchor } from '../shared/intention-anchor';
import { Count, Id, Timestamp } from '../shared/primitives';
import { RevisionBase } from '../shared/revision-base';
import { TaskSpec } from '../shared/task-spec';

/**
 * Tasks kept from the base revision's graph: its tasks `[from, from + count)`, unchanged but for
 * their source lines, which all move by `lineShift`.
 */
export const KeptTasks = Type.Object(
  {
    keep: Type.Object(
      {
        from: Count('Index of the first kept task in the base graph'),
        count: Type.Integer({ minimum: 1, description: 'How many base tasks in a row are kept' }),
        lineShift: Type.Optional(
          Type.Integer({ description: "What their source's startLine and endLine move by; absent: 0" }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'A run of tasks kept from the base graph' },
);
export type KeptTasks = Static<typeof KeptTasks>;

export const TasksGeneratedV2 = defineMessage({
  kind: 'event',
  aggregate: 'tasks',
  name: 'generated',
  version: 2,
  producer: 'planner',
  consumers: ['manager', 'gateway'],
  summary:
    'The task graph of a plan, told as a change to the graph of an earlier revision its consumers hold ' +
    '(v1 tells the graph whole).',
  data: Type.Object({
    projectId: Id('Project'),
    planId: Id('Plan the tasks come from'),
    planRevision: Type.Integer({ minimum: 1, description: 'Plan revision the tasks come from' }),
    base: RevisionBase('The plan revision whose task graph `tasks` changes, which a consumer must hold'),
    blueprintId: Id('Blueprint'),
    blueprintVersion: Type.Integer({ minimum: 1, description: 'Blueprint version' }),
    anchorId: Id('Intention anchor the tasks serve'),
    anchor: Type.Optional(IntentionAnchor),
    tasks: Type.Array(Type.Union([TaskSpec, KeptTasks]), {
      maxItems: 100_000,
      description:
        'The whole task graph in dependency order: a task new or changed since the base whole, and runs of ' +
        'base tasks kept (`keep`); a task missing is no longer wanted',
    }),
    generatedAt: Timestamp('When the planner finished'),
  }),
});
export type TasksGeneratedV2 = Static<typeof TasksGeneratedV2.data>;
