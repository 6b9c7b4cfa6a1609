import { TaskGraphError } from './task-graph-error';

export interface GraphNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/**
 * Ids in an order where every task comes after its dependencies (Kahn's algorithm, ties in input
 * order so the result is deterministic).
 * @throws TaskGraphError naming a task on a cycle, or a task and the dependency that is no task of the graph.
 */
export function dependencyOrder(nodes: readonly GraphNode[]): string[] {
  const byId = new Map<string, GraphNode>();
  for (const node of nodes) {
    if (byId.has(node.id)) throw new TaskGraphError(node.id, 'appears twice in the task graph');
    byId.set(node.id, node);
  }
  const waiting = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      if (dep === node.id) throw new TaskGraphError(node.id, 'depends on itself');
      if (!byId.has(dep))
        throw new TaskGraphError(node.id, `depends on ${dep}, which is no task of the graph`);
      dependants.set(dep, [...(dependants.get(dep) ?? []), node.id]);
    }
    waiting.set(node.id, new Set(node.dependsOn).size);
  }
  const order: string[] = [];
  const queue = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i += 1) {
    const id = queue[i] as string;
    order.push(id);
    for (const next of dependants.get(id) ?? []) {
      const left = (waiting.get(next) ?? 0) - 1;
      waiting.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((n) => (waiting.get(n.id) ?? 0) > 0) as GraphNode;
    throw new TaskGraphError(stuck.id, 'is on a dependency cycle');
  }
  return order;
}
