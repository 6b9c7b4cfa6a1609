import { runBranchName as branchName, type Task } from '@autopilot/contracts';

/** The run branch of a task's run (the contracts' one rule; the task id when its title gives no slug). */
export function runBranchName(task: Pick<Task, 'id' | 'title'>, runId: string): string {
  return branchName(task.title, runId, task.id);
}
