import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id, Text } from '../shared/primitives';

export const ManagerResumeProjectV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'resume_project',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: 'Resume a paused project: ready tasks are dispatched again.',
  data: Type.Object({
    projectId: Id('Project'),
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerResumeProjectV1 = Static<typeof ManagerResumeProjectV1.data>;
