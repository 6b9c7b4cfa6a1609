import type { TaskSpec } from '@autopilot/contracts';

/** How a task's spec differs between two revisions of the plan. */
export type SpecChange = 'none' | 'scheduling' | 'work';

/**
 * `work`: what the task must deliver changed (title, description, kind, plan node, scope,
 * validation, acceptance criteria, gate), so earlier work no longer counts. `scheduling`: only
 * priority, risk, estimate or dependencies changed: the work is the same, its state stands and
 * readiness is recomputed. `none`: identical.
 */
export function specChange(before: TaskSpec, after: TaskSpec): SpecChange {
  if (workKey(before) !== workKey(after)) return 'work';
  return schedulingKey(before) === schedulingKey(after) ? 'none' : 'scheduling';
}

// Fixed key order, absent and undefined written alike, so two equal specs always give one key.
const workKey = (s: TaskSpec): string =>
  JSON.stringify([
    s.title,
    s.description ?? null,
    s.kind,
    s.planNodeId,
    s.scopePaths,
    s.validationCommands,
    s.acceptanceCriteria ?? null,
    s.gate ?? false,
  ]);

const schedulingKey = (s: TaskSpec): string =>
  JSON.stringify([s.priority ?? null, s.risk ?? null, s.estimateUsd ?? null, [...s.dependsOn].sort()]);
