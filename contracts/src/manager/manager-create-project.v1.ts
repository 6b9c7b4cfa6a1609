import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id } from '../shared/primitives';
import { projectSettingsProperties } from '../shared/project-settings';

export const ManagerCreateProjectV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'create_project',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary: 'Create a project: repository, autonomy mode, parallelism, budgets and schedule.',
  data: Type.Object({
    projectId: Id('Chosen by the sender, so a resent command creates one project'),
    ...projectSettingsProperties,
    requestedBy: Actor,
  }),
});
export type ManagerCreateProjectV1 = Static<typeof ManagerCreateProjectV1.data>;
