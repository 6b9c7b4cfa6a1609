import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Id, Revision, Text, Timestamp } from '../shared/primitives';
import { projectSettingsProperties } from '../shared/project-settings';
import { StringEnum } from '../shared/string-enum';

/** What paused a project: a person, or one of the manager's auto-pause rules. */
export const PAUSE_KINDS = [
  'manual',
  'aborted',
  'consecutive_failures',
  'low_confidence',
  'quality_gate',
  // Since issue 14: governance refused a reservation at a daily, weekly or global cap (budget.exceeded).
  'budget',
] as const;
export const PauseKind = StringEnum(PAUSE_KINDS, {
  description:
    'manual: a person paused it; aborted: a person aborted it (its work cancelled); consecutive_failures: 3 failed runs in a row; ' +
    'low_confidence: a run succeeded below the confidence threshold; quality_gate: a gate policy watches failed; ' +
    'budget: a budget cap was reached (resumes by itself at resumesAt when that is set)',
});
export type PauseKind = Static<typeof PauseKind>;

/** Why a paused project is paused, and what would let it go on. */
export const ProjectPause = Type.Object(
  {
    kind: PauseKind,
    reason: Text(2000, 'What happened, for a person'),
    unblock: Text(1000, 'The action that would let the project go on'),
    since: Timestamp('When the project paused'),
    // Optional since issue 14: a pause by a daily or weekly cap ends when its window reopens.
    resumesAt: Type.Optional(
      Timestamp('budget: when the project resumes by itself (the cap window reopens)'),
    ),
  },
  { description: 'Why the project is paused' },
);
export type ProjectPause = Static<typeof ProjectPause>;

/** A project's whole state as the manager holds it. */
export const Project = Type.Object(
  {
    id: Id('Project id'),
    ...projectSettingsProperties,
    paused: Type.Boolean({ description: 'Paused: no new runs start; runs in flight finish' }),
    pause: Type.Optional(ProjectPause),
    blueprintId: Type.Optional(Id('The blueprint the project builds, once submitted')),
    // Optional since issue 14: set when the project resumed by itself, cleared by the next pause or resume.
    resumeNote: Type.Optional(Text(1000, 'Why the project resumed by itself (a budget window reopened)')),
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
