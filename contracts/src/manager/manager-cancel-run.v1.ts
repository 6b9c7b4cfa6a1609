import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id, Text } from '../shared/primitives';

export const ManagerCancelRunV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'cancel_run',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: 'Cancel a run: the worker stops at its next step and the run ends cancelled.',
  data: Type.Object({
    projectId: Id('Project'),
    runId: Id('Run to cancel'),
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerCancelRunV1 = Static<typeof ManagerCancelRunV1.data>;
