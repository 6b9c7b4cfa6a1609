import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id, Text } from '../shared/primitives';

export const ManagerRetryTaskV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'retry_task',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: 'Retry a failed or cancelled task with a new run, beyond its attempt limit if need be.',
  data: Type.Object({
    projectId: Id('Project'),
    taskId: Id('Task to retry'),
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerRetryTaskV1 = Static<typeof ManagerRetryTaskV1.data>;
