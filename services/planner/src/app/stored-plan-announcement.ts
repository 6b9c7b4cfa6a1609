import type { PlanGeneratedV1, PlanNode, TasksGeneratedV1 } from '@autopilot/contracts';
import { planAnnouncement } from './plan-announcement';
import type { StoredPlan, StoredTask } from './ports';

/** The plan's tasks in the order they were announced (dependency order). */
export function orderedTasks(plan: StoredPlan): StoredTask[] {
  const order = plan.head.taskOrder ?? [...plan.tasks.keys()].sort();
  return order.flatMap((id) => {
    const task = plan.tasks.get(id);
    return task ? [task] : [];
  });
}

/** The plan's nodes in document order (a node starts before its children), as `plan.generated` lists them. */
export function orderedNodes(plan: StoredPlan): PlanNode[] {
  return [...plan.nodes.values()]
    .map((n) => n.node)
    .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The `plan.generated` and `tasks.generated` payloads of the stored plan's head revision, as stored. */
export function storedPlanAnnouncement(plan: StoredPlan): { plan: PlanGeneratedV1; tasks: TasksGeneratedV1 } {
  return planAnnouncement(
    plan.head,
    orderedNodes(plan),
    orderedTasks(plan).map((t) => t.task),
  );
}
