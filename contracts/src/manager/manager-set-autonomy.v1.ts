import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { AutonomyMode } from '../shared/lifecycles';
import { Id, Text } from '../shared/primitives';

export const ManagerSetAutonomyV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'set_autonomy',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: "Change a project's autonomy mode (off, suggest, semi_auto, full_auto).",
  data: Type.Object({
    projectId: Id('Project'),
    mode: AutonomyMode,
    requestedBy: Actor,
    reason: Type.Optional(Text(1000, 'Why, for the audit log')),
  }),
});
export type ManagerSetAutonomyV1 = Static<typeof ManagerSetAutonomyV1.data>;
