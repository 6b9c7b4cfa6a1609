import type { PlanNode } from '@autopilot/contracts';
import type { PlannedNode } from './plan-graph';

/** The most ids a node's message lists of its dependencies or tasks: the contract's bound. */
export const MAX_LISTED_IDS = 500;

/** A planned node in the contract's shape (`plan.generated`), with the ids of the tasks made from it. */
export function toPlanNodeMessage(node: PlannedNode, taskIds: readonly string[] = []): PlanNode {
  const message: PlanNode = {
    id: node.id,
    kind: node.kind,
    title: node.title,
    start: node.start,
    end: node.end,
    priority: node.priority,
    risk: node.risk,
    status: node.status,
    sectionId: node.sectionId,
    origin: node.origin,
  };
  if (node.parentId !== undefined) message.parentId = node.parentId;
  if (node.file !== undefined) message.file = node.file;
  if (node.startLine !== undefined) message.startLine = node.startLine;
  if (node.endLine !== undefined) message.endLine = node.endLine;
  // The contract bounds these lists; the task graph always uses the whole list.
  if (node.dependsOn.length > 0) message.dependsOn = node.dependsOn.slice(0, MAX_LISTED_IDS);
  if (node.externalDependencies.length > 0) message.externalDependencies = [...node.externalDependencies];
  if (taskIds.length > 0) message.taskIds = taskIds.slice(0, MAX_LISTED_IDS);
  if (node.ambiguity !== undefined) message.ambiguity = node.ambiguity;
  return message;
}
