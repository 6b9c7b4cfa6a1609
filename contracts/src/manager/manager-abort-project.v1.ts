import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id, Text } from '../shared/primitives';

export const ManagerAbortProjectV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'abort_project',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary:
    'Abort a project: its queued and ready work is cancelled, its runs in flight are cancelled (their workers refused from then on by fencing token), and it pauses.',
  data: Type.Object({
    projectId: Id('Project'),
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerAbortProjectV1 = Static<typeof ManagerAbortProjectV1.data>;
