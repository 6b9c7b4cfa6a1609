import type { TasksGeneratedV1 } from '@autopilot/contracts';

/**
 * How many plans' graphs a manager process holds. A manager serves few projects, and a graph of a
 * large blueprint (19k tasks) is some 18 MB of objects: 16 bounds the memory to a few hundred MB at
 * worst, and a plan pushed out is only asked for whole again (`cmd.planner.announce_plan`).
 */
export const HELD_TASK_GRAPH_PLANS = 16;

/**
 * The latest whole task graph this process has handled per plan id: the base a `tasks.generated`
 * v2 is applied to. In memory only, by design: the planner tells a change only against a revision
 * it announced itself to listening consumers, and a manager that does not hold it (restarted,
 * started late, pushed out) asks for the revision whole instead. The least recently used plan goes
 * first when more than `capacity` are held.
 */
export class HeldTaskGraphs {
  // A Map iterates in insertion order: re-inserting on every use keeps the least recent first.
  private readonly graphs = new Map<string, TasksGeneratedV1>();

  constructor(private readonly capacity: number = HELD_TASK_GRAPH_PLANS) {}

  /** The graph held for `planId`, or undefined. */
  get(planId: string): TasksGeneratedV1 | undefined {
    const graph = this.graphs.get(planId);
    if (graph) this.touch(planId, graph);
    return graph;
  }

  /**
   * Holds `graph`, a whole revision that was handled, unless an older revision than the one held (a
   * late redelivery). The same revision again replaces it: a revision announced whole on request is
   * the base the next change names.
   */
  remember(graph: TasksGeneratedV1): void {
    const held = this.graphs.get(graph.planId);
    if (held && graph.planRevision < held.planRevision) return;
    this.touch(graph.planId, graph);
    while (this.graphs.size > this.capacity) {
      const leastRecent = this.graphs.keys().next().value;
      if (leastRecent === undefined) break;
      this.graphs.delete(leastRecent);
    }
  }

  private touch(planId: string, graph: TasksGeneratedV1): void {
    this.graphs.delete(planId);
    this.graphs.set(planId, graph);
  }
}
