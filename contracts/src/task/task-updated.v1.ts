import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Failure } from '../shared/failure';
import { TaskStatus } from '../shared/lifecycles';
import { Count, Id, Revision, Timestamp } from '../shared/primitives';
import { taskSpecProperties } from '../shared/task-spec';

/** A task's whole state as the manager holds it: the planner's spec plus scheduling state. */
export const Task = Type.Object(
  {
    ...taskSpecProperties,
    projectId: Id('Project'),
    status: TaskStatus,
    attempts: Count('Runs started for this task so far'),
    maxAttempts: Type.Integer({ minimum: 1, description: 'Runs allowed before the task fails' }),
    currentRunId: Type.Optional(Id('The run in flight, while queued, running or awaiting_approval')),
    lastRunId: Type.Optional(Id('The most recent run, finished or not')),
    branch: Type.Optional(
      Type.String({ maxLength: 255, description: 'Branch of the successful run, for review' }),
    ),
    failure: Type.Optional(Failure),
    createdAt: Timestamp('When the task was first generated'),
    updatedAt: Timestamp('When this state was reached'),
    revision: Revision(),
  },
  { description: 'A task and where it stands' },
);
export type Task = Static<typeof Task>;

export const TaskUpdatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'task',
  name: 'updated',
  version: 1,
  producer: 'manager',
  consumers: ['gateway'],
  summary: "A task's state changed; carries the whole task.",
  data: Task,
});
export type TaskUpdatedV1 = Static<typeof TaskUpdatedV1.data>;
