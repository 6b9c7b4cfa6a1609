import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id } from '../shared/primitives';
import { projectSettingsProperties } from '../shared/project-settings';

const { repo: _repo, ...changeable } = projectSettingsProperties;

export const ManagerUpdateProjectV1 = defineMessage({
  kind: 'command',
  service: 'manager',
  name: 'update_project',
  version: 1,
  producer: 'gateway',
  consumers: ['manager'],
  summary:
    "Replace an existing project's settings (name, autonomy mode, parallelism, budgets, schedule; never its repository). A raised cap lifts the pause and resumes the runs it stopped.",
  data: Type.Object({
    projectId: Id('Project'),
    ...changeable,
    requestedBy: Actor,
  }),
});
export type ManagerUpdateProjectV1 = Static<typeof ManagerUpdateProjectV1.data>;
