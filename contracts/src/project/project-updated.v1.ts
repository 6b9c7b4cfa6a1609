import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Id, Revision, Timestamp } from '../shared/primitives';
import { projectSettingsProperties } from '../shared/project-settings';

/** A project's whole state as the manager holds it. */
export const Project = Type.Object(
  {
    id: Id('Project id'),
    ...projectSettingsProperties,
    paused: Type.Boolean({ description: 'Paused: no new runs start; runs in flight finish' }),
    blueprintId: Type.Optional(Id('The blueprint the project builds, once submitted')),
    createdAt: Timestamp('When the project was created'),
    updatedAt: Timestamp('When this state was reached'),
    revision: Revision(),
  },
  { description: 'A project and its settings' },
);
export type Project = Static<typeof Project>;

export const ProjectUpdatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'project',
  name: 'updated',
  version: 1,
  producer: 'manager',
  consumers: ['governance', 'gateway'],
  summary:
    'A project was created or its settings changed (autonomy, pause, budgets); carries the whole project.',
  data: Project,
});
export type ProjectUpdatedV1 = Static<typeof ProjectUpdatedV1.data>;
