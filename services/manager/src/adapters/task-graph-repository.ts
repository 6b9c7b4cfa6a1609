import type { Envelope, Run, Task } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
} from '@autopilot/store';
import type { StoredTaskGraph, TaskGraphChange, TaskGraphRepository, Versioned } from '../app/ports';
import type { AppliedPlan } from '../domain/plan-revision/apply-plan-revision';
import { findAll } from './store-pages';

export const TASK_GRAPH_COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'task_graphs' },
  { name: 'tasks', indexes: [{ fields: { projectId: 1, status: 1 } }] },
  { name: 'runs', indexes: [{ fields: { projectId: 1, status: 1 } }] },
];

/** The plan revision a project's stored tasks came from; `_id` is the project id. */
interface TaskGraphDoc extends RevisionedDoc {
  applied: AppliedPlan;
}

/** One task; `projectId` and `status` copied out of it for the index. */
interface TaskDoc extends RevisionedDoc {
  projectId: string;
  status: Task['status'];
  task: Task;
}

interface RunDoc extends RevisionedDoc {
  projectId: string;
  status: Run['status'];
  run: Run;
}

/** Task ids are unique within a project only: the length prefix keeps `a/b`+`c` and `a`+`b/c` apart. */
const taskDocId = (projectId: string, taskId: string): string => `${projectId.length}:${projectId}/${taskId}`;

const versioned = <T>(value: T, doc: RevisionedDoc): Versioned<T> => ({ value, version: doc.version ?? 0 });

/** TaskGraphRepository over the DocumentStore port: a head per project, a document per task and per run. */
export class StoreTaskGraphRepository implements TaskGraphRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async load(projectId: string): Promise<StoredTaskGraph> {
    const head = await this.store.collection<TaskGraphDoc>('task_graphs').get(projectId);
    const docs = await findAll(this.store.collection<TaskDoc>('tasks'), { projectId });
    return {
      projectId,
      applied: head?.applied,
      version: head?.version ?? 0,
      tasks: new Map(docs.map((d) => [d.task.id, versioned(d.task, d)])),
    };
  }

  async tasksIn(projectId: string, status: Task['status']): Promise<Versioned<Task>[]> {
    const docs = await findAll(this.store.collection<TaskDoc>('tasks'), { projectId, status });
    return docs.map((d) => versioned(d.task, d));
  }

  async runCounts(projectId: string): Promise<{ inFlight: number; suspended: number }> {
    const runs = this.store.collection<RunDoc>('runs');
    return {
      inFlight: await runs.count({ projectId, status: { $in: ['pending', 'running'] } }),
      suspended: await runs.count({ projectId, status: 'suspended' }),
    };
  }

  async runs(runIds: readonly string[]): Promise<Versioned<Run>[]> {
    if (runIds.length === 0) return [];
    const docs = await findAll(this.store.collection<RunDoc>('runs'), { _id: { $in: [...runIds] } });
    return docs.map((d) => versioned(d.run, d));
  }

  async commit(
    change: TaskGraphChange,
    events: readonly Envelope[],
    opts: { completesHandling: boolean },
  ): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        if (opts.completesHandling) await recordHandledMessage(tx, this.clock);
        if (change.head) {
          await tx
            .collection<TaskGraphDoc>('task_graphs')
            .replaceIfVersion(
              { _id: change.projectId, applied: change.head.applied },
              change.head.expectedVersion,
            );
        }
        const tasks = tx.collection<TaskDoc>('tasks');
        for (const { task, expectedVersion } of change.tasks) {
          const doc = {
            _id: taskDocId(task.projectId, task.id),
            projectId: task.projectId,
            status: task.status,
            task,
          };
          await tasks.replaceIfVersion(doc, expectedVersion);
        }
        const runs = tx.collection<RunDoc>('runs');
        for (const { run, expectedVersion } of change.runs) {
          await runs.replaceIfVersion(
            { _id: run.id, projectId: run.projectId, status: run.status, run },
            expectedVersion,
          );
        }
        return { result: undefined, events };
      },
      this.clock,
    );
  }
}
