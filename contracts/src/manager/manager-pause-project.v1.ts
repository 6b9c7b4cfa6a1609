import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id, Text } from '../shared/primitives';

export const ManagerPauseProjectV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'pause_project',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: 'Pause a project: no new runs start; runs in flight finish.',
  data: Type.Object({
    projectId: Id('Project'),
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerPauseProjectV1 = Static<typeof ManagerPauseProjectV1.data>;
