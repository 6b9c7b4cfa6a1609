import type { Envelope, IntentionAnchor, Run, Task } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
  findAll,
} from '@autopilot/store';
import type {
  RunNotes,
  StoredRun,
  StoredTask,
  StoredTaskGraph,
  TaskGraphChange,
  TaskGraphRepository,
  TaskNotes,
} from '../app/ports';
import type { AppliedPlan } from '../domain/plan-revision/apply-plan-revision';
import { recordLearning } from './learning-store';

export const TASK_GRAPH_COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'task_graphs' },
  { name: 'tasks', indexes: [{ fields: { projectId: 1, status: 1 } }] },
  { name: 'task_dependants' },
  {
    name: 'runs',
    indexes: [{ fields: { projectId: 1, status: 1 } }, { fields: { projectId: 1, endedAt: -1 } }],
  },
];

/** The plan revision a project's stored tasks came from; `_id` is the project id. */
interface TaskGraphDoc extends RevisionedDoc {
  applied: AppliedPlan;
  anchor?: IntentionAnchor;
}

/**
 * The tasks that depend on one task (`_id` as the task's), so a success finds what it may release
 * by key instead of loading the graph. Kept in step with every task write whose dependencies
 * changed (TaskGraphRepository.commit).
 */
interface DependantsDoc extends RevisionedDoc {
  dependants: string[];
}

/** One task; `projectId` and `status` copied out of it for the index. */
interface TaskDoc extends RevisionedDoc {
  projectId: string;
  status: Task['status'];
  task: Task;
  notes?: TaskNotes;
}

interface RunDoc extends RevisionedDoc {
  projectId: string;
  status: Run['status'];
  /** When the manager saw the run end (its `updatedAt` then), for the newest-first query; absent until it ends. */
  endedAt?: string;
  run: Run;
  notes?: RunNotes;
}

const FINAL_RUN_STATUSES: readonly Run['status'][] = ['succeeded', 'failed', 'cancelled', 'rolled_back'];

/** Task ids are unique within a project only: the length prefix keeps `a/b`+`c` and `a`+`b/c` apart. */
const taskDocId = (projectId: string, taskId: string): string => `${projectId.length}:${projectId}/${taskId}`;

const storedTask = (doc: TaskDoc): StoredTask => ({
  value: doc.task,
  version: doc.version ?? 0,
  notes: doc.notes ?? {},
});
const storedRun = (doc: RunDoc): StoredRun => ({
  value: doc.run,
  version: doc.version ?? 0,
  notes: doc.notes ?? {},
});

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
      tasks: new Map(docs.map((d) => [d.task.id, storedTask(d)])),
    };
  }

  async anchor(projectId: string): Promise<IntentionAnchor | undefined> {
    return (await this.store.collection<TaskGraphDoc>('task_graphs').get(projectId))?.anchor;
  }

  async tasksIn(projectId: string, status: Task['status']): Promise<StoredTask[]> {
    const docs = await findAll(this.store.collection<TaskDoc>('tasks'), { projectId, status });
    return docs.map(storedTask);
  }

  async tasksById(projectId: string, taskIds: readonly string[]): Promise<Map<string, StoredTask>> {
    if (taskIds.length === 0) return new Map();
    const docs = await findAll(this.store.collection<TaskDoc>('tasks'), {
      _id: { $in: taskIds.map((id) => taskDocId(projectId, id)) },
    });
    return new Map(docs.map((d) => [d.task.id, storedTask(d)]));
  }

  async dependantsOf(projectId: string, taskIds: readonly string[]): Promise<StoredTask[]> {
    if (taskIds.length === 0) return [];
    const index = await findAll(this.store.collection<DependantsDoc>('task_dependants'), {
      _id: { $in: taskIds.map((id) => taskDocId(projectId, id)) },
    });
    const ids = [...new Set(index.flatMap((d) => d.dependants))];
    return [...(await this.tasksById(projectId, ids)).values()];
  }

  async task(projectId: string, taskId: string): Promise<StoredTask | null> {
    const doc = await this.store.collection<TaskDoc>('tasks').get(taskDocId(projectId, taskId));
    return doc ? storedTask(doc) : null;
  }

  async runCounts(projectId: string): Promise<{ inFlight: number; suspended: number }> {
    const runs = this.store.collection<RunDoc>('runs');
    return {
      inFlight: await runs.count({ projectId, status: { $in: ['pending', 'running'] } }),
      suspended: await runs.count({ projectId, status: 'suspended' }),
    };
  }

  async runs(runIds: readonly string[]): Promise<StoredRun[]> {
    if (runIds.length === 0) return [];
    const docs = await findAll(this.store.collection<RunDoc>('runs'), { _id: { $in: [...runIds] } });
    return docs.map(storedRun);
  }

  async runsIn(projectId: string, statuses: readonly Run['status'][]): Promise<StoredRun[]> {
    const docs = await findAll(this.store.collection<RunDoc>('runs'), {
      projectId,
      status: { $in: [...statuses] },
    });
    return docs.map(storedRun);
  }

  async lastFinishedRuns(projectId: string, limit: number): Promise<StoredRun[]> {
    const page = await this.store
      .collection<RunDoc>('runs')
      .find({ projectId, status: { $in: [...FINAL_RUN_STATUSES] } }, { sort: { endedAt: -1 }, limit });
    return page.items.map(storedRun);
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
          await tx.collection<TaskGraphDoc>('task_graphs').replaceIfVersion(
            {
              _id: change.projectId,
              applied: change.head.applied,
              ...(change.head.anchor ? { anchor: change.head.anchor } : {}),
            },
            change.head.expectedVersion,
          );
        }
        const tasks = tx.collection<TaskDoc>('tasks');
        /** Dependency edges to add and to drop, by the dependency's document id. */
        const edges = new Map<string, { add: Set<string>; drop: Set<string> }>();
        const edge = (taskId: string) => {
          const id = taskDocId(change.projectId, taskId);
          const e = edges.get(id) ?? { add: new Set<string>(), drop: new Set<string>() };
          edges.set(id, e);
          return e;
        };
        for (const { task, expectedVersion, notes } of change.tasks) {
          const _id = taskDocId(task.projectId, task.id);
          const before = expectedVersion > 0 ? await tasks.get(_id) : null;
          const was = new Set(before?.task.dependsOn ?? []);
          for (const dep of task.dependsOn) if (!was.delete(dep)) edge(dep).add.add(task.id);
          for (const dep of was) edge(dep).drop.add(task.id);
          // Without new notes the stored ones stay (a plan revision or a dispatch knows none).
          const kept = notes ?? before?.notes;
          const doc: TaskDoc = { _id, projectId: task.projectId, status: task.status, task };
          if (kept && Object.keys(kept).length > 0) doc.notes = kept;
          await tasks.replaceIfVersion(doc, expectedVersion);
        }
        const index = tx.collection<DependantsDoc>('task_dependants');
        for (const [_id, { add, drop }] of edges) {
          const stored = await index.get(_id);
          const dependants = new Set(stored?.dependants ?? []);
          for (const id of drop) dependants.delete(id);
          for (const id of add) dependants.add(id);
          await index.replaceIfVersion({ _id, dependants: [...dependants] }, stored?.version ?? 0);
        }
        const runs = tx.collection<RunDoc>('runs');
        for (const { run, expectedVersion, notes } of change.runs) {
          const doc: RunDoc = { _id: run.id, projectId: run.projectId, status: run.status, run };
          if (FINAL_RUN_STATUSES.includes(run.status)) doc.endedAt = run.updatedAt;
          if (notes && Object.keys(notes).length > 0) doc.notes = notes;
          await runs.replaceIfVersion(doc, expectedVersion);
        }
        await recordLearning(tx, change);
        return { result: undefined, events };
      },
      this.clock,
    );
  }
}
