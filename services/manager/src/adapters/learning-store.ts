import type { Run, Task } from '@autopilot/contracts';
import type { CollectionSpec, DocumentStore, Doc, StoreTransaction } from '@autopilot/store';
import type { LearningRepository, TaskGraphChange } from '../app/ports';
import {
  emptyProjectLearning,
  emptyTaskLearning,
  learnFromPlan,
  learnFromRun,
  type ProjectLearning,
  type TaskLearning,
} from '../domain/learning/learning-signals';
import { findAll } from '@autopilot/store';

export const LEARNING_COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'project_learning' },
  { name: 'task_learning', indexes: [{ fields: { projectId: 1 } }] },
];

interface ProjectLearningDoc extends Doc {
  learning: ProjectLearning;
}

interface TaskLearningDoc extends Doc {
  projectId: string;
  learning: TaskLearning;
}

interface TaskDocShape extends Doc {
  task: Task;
}

const FINAL: readonly Run['status'][] = ['succeeded', 'failed', 'cancelled', 'rolled_back'];

/** Same scheme as the task documents: the length prefix keeps `a/b`+`c` and `a`+`b/c` apart. */
const taskKey = (projectId: string, taskId: string): string => `${projectId.length}:${projectId}/${taskId}`;

/**
 * Folds a task graph change into the learning totals, inside the transaction that commits it
 * (StoreTaskGraphRepository.commit calls it): every run that reaches a final status and every
 * plan revision goes through that one commit, so the signals move with the state they learn from
 * or not at all. A run is counted once (the task's totals remember its id), so a run written again
 * changes nothing. Read-modify-write inside the transaction: SQLite runs transactions one at a
 * time and MongoDB re-runs one that lost a write conflict, so concurrent commits never lose a count.
 */
export async function recordLearning(tx: StoreTransaction, change: TaskGraphChange): Promise<void> {
  const ended = change.runs.filter((r) => FINAL.includes(r.run.status) && r.run.status !== 'cancelled');
  if (ended.length === 0 && !change.planDelta) return;
  const projects = tx.collection<ProjectLearningDoc>('project_learning');
  let project = (await projects.get(change.projectId))?.learning ?? emptyProjectLearning(change.projectId);
  if (change.planDelta) project = learnFromPlan(project, change.planDelta);
  const learned = tx.collection<TaskLearningDoc>('task_learning');
  const taskDocs = tx.collection<TaskDocShape>('tasks');
  for (const { run } of ended) {
    const task =
      change.tasks.find((t) => t.task.id === run.taskId)?.task ??
      (await taskDocs.get(taskKey(run.projectId, run.taskId)))?.task;
    if (!task) continue;
    const depsSucceededAt: string[] = [];
    for (const dep of task.dependsOn) {
      const at = (await learned.get(taskKey(run.projectId, dep)))?.learning.succeededAt;
      if (at !== undefined) depsSucceededAt.push(at);
    }
    const _id = taskKey(run.projectId, run.taskId);
    const before = (await learned.get(_id))?.learning ?? emptyTaskLearning(run.projectId, run.taskId);
    const next = learnFromRun(before, project, { run, task, dependencySucceededAt: depsSucceededAt });
    if (next.task === before) continue;
    project = next.project;
    await learned.upsert({ _id, projectId: run.projectId, learning: next.task });
  }
  await projects.upsert({ _id: change.projectId, learning: project });
}

/** LearningRepository over the DocumentStore port (`project_learning`, `task_learning`). */
export class StoreLearningRepository implements LearningRepository {
  constructor(private readonly store: DocumentStore) {}

  async project(projectId: string): Promise<ProjectLearning | undefined> {
    return (await this.store.collection<ProjectLearningDoc>('project_learning').get(projectId))?.learning;
  }

  async tasks(projectId: string, taskIds: readonly string[]): Promise<Map<string, TaskLearning>> {
    if (taskIds.length === 0) return new Map();
    const docs = await findAll(this.store.collection<TaskLearningDoc>('task_learning'), {
      _id: { $in: taskIds.map((id) => taskKey(projectId, id)) },
    });
    return new Map(docs.map((d) => [d.learning.taskId, d.learning]));
  }

  async allTasks(projectId: string): Promise<TaskLearning[]> {
    const docs = await findAll(this.store.collection<TaskLearningDoc>('task_learning'), { projectId });
    return docs.map((d) => d.learning);
  }
}
