import type { PlanNode, TaskSpec } from '@autopilot/contracts';
import type { PlanDerivation } from '../domain/plan/plan-from-sections';
import type { BlueprintForPlan, PlannedNode } from '../domain/plan/plan-graph';
import type { TaskGraph } from '../domain/tasks/task-graph';
import type { StoredPlanNode, StoredTask } from './ports';

/**
 * What one planning of a plan built: the nodes it planned (as the task graph was given them), their
 * messages and stored forms (index-aligned, `nodeIndex` by node id), the tasks the rules made of
 * them (before any repository check) and their stored forms (index-aligned, `taskIndex` by task
 * id). The next planning of the same plan reuses what it would build the same (plan-reuse.ts).
 */
export interface PlanningResults {
  readonly planId: string;
  /** The rules' plan graph and what deriving it settled, for deriving the next version from it. */
  readonly derivation: PlanDerivation;
  /** The nodes before their source lines were added (withSourceLines), and the blueprint they point into. */
  readonly unlined: readonly PlannedNode[];
  readonly blueprint: Pick<BlueprintForPlan, 'text' | 'files'>;
  readonly nodeIndex: ReadonlyMap<string, number>;
  readonly nodes: readonly PlannedNode[];
  readonly messages: readonly PlanNode[];
  readonly storedNodes: readonly StoredPlanNode[];
  /** The rules' task graph of `nodes` (`tasks`, in order, and each node's task ids). */
  readonly taskGraph: TaskGraph;
  /** Each task's index in `taskGraph.tasks` by task id. */
  readonly taskIndex: ReadonlyMap<string, number>;
  /**
   * The stored form of each task, index-aligned with `taskGraph.tasks`: `{ task }` for a task
   * stored unchecked, its checked form and the rules' fields for one a repository check changed.
   */
  readonly storedTasks: readonly StoredTask[];
}

/** The rules' task of this id in the last planning. */
export function lastTaskOf(last: PlanningResults, id: string): TaskSpec | undefined {
  const i = last.taskIndex.get(id);
  return i === undefined ? undefined : last.taskGraph.tasks[i];
}

/** How the last planning stored the task of this id. */
export function lastStoredTaskOf(last: PlanningResults, id: string): StoredTask | undefined {
  const i = last.taskIndex.get(id);
  return i === undefined ? undefined : last.storedTasks[i];
}

/**
 * The last planning's results, in memory (one plan: re-planning an edited blueprint plans the same
 * plan again). A cache of a pure computation: an entry says what the rules made of given nodes, so it
 * is right whatever happened to the stored plan since (a commit lost to a concurrent planner, a
 * repository check). A planner that restarted has none, and plans from scratch.
 */
export class PlanningMemo {
  private last: PlanningResults | undefined;

  /** The last planning's results for `planId`, if the last planning was of it. */
  of(planId: string): PlanningResults | undefined {
    return this.last?.planId === planId ? this.last : undefined;
  }

  remember(results: PlanningResults): void {
    this.last = results;
  }
}
