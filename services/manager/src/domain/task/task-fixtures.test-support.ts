import type { Task, TaskSpec, TaskStatus } from '@autopilot/contracts';

export const T0 = '2026-03-01T10:00:00.000Z';
export const T1 = '2026-03-01T11:00:00.000Z';

export function spec(id: string, dependsOn: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    title: `Do ${id}`,
    kind: 'code',
    planNodeId: `node-${id}`,
    dependsOn,
    scopePaths: ['src/**'],
    validationCommands: [['npm', 'test']],
    ...extra,
  };
}

export function task(
  id: string,
  status: TaskStatus,
  dependsOn: string[] = [],
  extra: Partial<Task> = {},
): Task {
  return {
    ...spec(id, dependsOn),
    projectId: 'p1',
    status,
    attempts: 0,
    maxAttempts: 3,
    createdAt: T0,
    updatedAt: T0,
    revision: 1,
    ...extra,
  };
}

export const statuses = (tasks: readonly Task[]): Record<string, TaskStatus> =>
  Object.fromEntries(tasks.map((t) => [t.id, t.status]));
