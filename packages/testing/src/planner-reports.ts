import type { TaskSpec, TasksGeneratedV1 } from '@autopilot/contracts';

/**
 * The planner's `tasks.generated` for `tasks`, as a stub planner sends it: revision 1 of plan
 * `plan-<project>`, its ids derived from the project's; `extra` overrides any field.
 */
export function tasksGenerated(
  projectId: string,
  tasks: readonly TaskSpec[],
  extra: Partial<TasksGeneratedV1> = {},
): TasksGeneratedV1 {
  return {
    projectId,
    planId: `plan-${projectId}`,
    planRevision: 1,
    blueprintId: `bp-${projectId}`,
    blueprintVersion: 1,
    anchorId: `anchor-${projectId}`,
    tasks: [...tasks],
    generatedAt: '2026-03-02T09:00:00.000Z',
    ...extra,
  };
}
