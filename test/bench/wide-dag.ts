/**
 * The task graph bench:dispatch schedules: `count` tasks in levels of `width`; each task after the
 * first level depends on two tasks of the level before (its own column and the next), so a level
 * becomes ready task by task as its parents finish, and many tasks are ready at once.
 */
export interface DagTask {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export function wideDag(count: number, width = 100): DagTask[] {
  const id = (n: number): string => `t${String(n).padStart(6, '0')}`;
  const tasks: DagTask[] = [];
  for (let n = 0; n < count; n++) {
    const level = Math.floor(n / width);
    const column = n % width;
    if (level === 0) {
      tasks.push({ id: id(n), dependsOn: [] });
      continue;
    }
    const above = (level - 1) * width;
    const parents = new Set([above + column, above + ((column + 1) % width)]);
    tasks.push({ id: id(n), dependsOn: [...parents].filter((p) => p < count).map(id) });
  }
  return tasks;
}

/** What one side of the bench measured. */
export interface DispatchResult {
  readonly tasks: number;
  readonly seconds: number;
  /** From a task becoming ready (every dependency done) to a worker starting it, ms. */
  readonly readyToDispatchedMs: readonly number[];
  /**
   * CPU time this process spent (user + system) while the tasks ran, ms: on a machine shared with
   * other work, throughput moves with the load; CPU per task says what our path itself costs.
   * It leaves out other processes (nats-server, redis-server).
   */
  readonly cpuMs: number;
}

/** CPU time (user + system) this process spent since `start` (a `process.cpuUsage()`), ms. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Dependants by task and the number of unfinished dependencies per task: what both sides use to
 * release a task once its last dependency finished.
 */
export function dependencyCounters(dag: readonly DagTask[]): {
  dependants: Map<string, string[]>;
  remaining: Map<string, number>;
} {
  const dependants = new Map<string, string[]>();
  const remaining = new Map<string, number>();
  for (const task of dag) {
    remaining.set(task.id, task.dependsOn.length);
    for (const dep of task.dependsOn) {
      const list = dependants.get(dep) ?? [];
      list.push(task.id);
      dependants.set(dep, list);
    }
  }
  return { dependants, remaining };
}
