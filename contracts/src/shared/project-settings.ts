import { Type, type Static } from '@sinclair/typebox';
import { BudgetCaps } from './budget';
import { AutonomyMode } from './lifecycles';
import { Text } from './primitives';
import { RepoRef } from './repo';

/** When the manager may start runs; outside every window, ready tasks wait. */
export const Schedule = Type.Object(
  {
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin' }),
    windows: Type.Array(
      Type.Object({
        days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
          minItems: 1,
          maxItems: 7,
          uniqueItems: true,
          description: 'Weekdays, 0 = Sunday',
        }),
        start: Type.String({
          pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
          description: 'HH:MM local, inclusive',
        }),
        end: Type.String({
          pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$',
          description: 'HH:MM local, exclusive',
        }),
      }),
      { maxItems: 50, description: 'Windows in which runs may start' },
    ),
  },
  { description: 'When runs may start; always, when absent' },
);
export type Schedule = Static<typeof Schedule>;

/**
 * The settings a person chooses for a project. A property map, shared by `manager.create_project`
 * and the project state in `project.updated`, so the two cannot drift apart.
 */
export const projectSettingsProperties = {
  name: Text(200, 'Project name'),
  repo: RepoRef,
  autonomyMode: AutonomyMode,
  maxParallel: Type.Integer({ minimum: 1, maximum: 256, description: 'Most runs in flight at once' }),
  budgets: BudgetCaps,
  schedule: Type.Optional(Schedule),
};
