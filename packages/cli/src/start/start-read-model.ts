import { join } from 'node:path';
import type { Approval, Project, Run, RunFinishedV1 as RunFinished, Task } from '@autopilot/contracts';
import { findAll, type Collection, type Doc, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';

/** What the services announced about one project, as `autopilot start` and `autopilot report` show it. */
export interface StartState {
  readonly tasks: Map<string, Task>;
  /** The last `run.finished` of each task. */
  readonly finished: Map<string, RunFinished>;
  /** Every run (retries and runs still going or waiting too), by id, as `run.updated` last said: what was spent and when. */
  readonly runs: Map<string, Run>;
  readonly approvals: Map<string, Approval>;
  project?: Project;
  /** The repository commit the last start began from. */
  baseCommit?: string;
}

export const emptyStartState = (): StartState => ({
  tasks: new Map(),
  finished: new Map(),
  runs: new Map(),
  approvals: new Map(),
});

interface ProjectDoc extends Doc {
  project: Project;
}
/** Apart from the project's document: each has one writer, so neither overwrites the other's news. */
interface BaseCommitDoc extends Doc {
  baseCommit: string;
}
interface ProjectPartDoc<T> extends Doc {
  projectId: string;
  value: T;
}

const FILE = 'start.db';

/**
 * The read model of `autopilot start` (the gateway's role on the embedded topology: a projection of
 * the events it watches), kept in `<dir>/start.db` so a later start resumes where the last one
 * stopped and `autopilot report` prints it again. Each event is stored before its handler returns;
 * the embedded bus settles a publish only once every consumer handled it, so an event the last
 * process had not stored is published again from the service's outbox, and applying one twice, or
 * an older one after a newer, changes nothing (revisions, decided approvals, the later finish win).
 */
export class StartReadModel {
  private constructor(private readonly store: DocumentStore) {}

  static async open(dir: string): Promise<StartReadModel> {
    const store = await openSqliteStore({ file: join(dir, FILE) });
    try {
      for (const name of ['start_projects', 'start_base_commits']) await store.ensureCollection({ name });
      for (const name of ['start_tasks', 'start_finished', 'start_runs', 'start_approvals'])
        await store.ensureCollection({ name, indexes: [{ fields: { projectId: 1 } }] });
    } catch (err) {
      await store.close();
      throw err;
    }
    return new StartReadModel(store);
  }

  /** The projects this directory holds, by id. */
  async projectIds(): Promise<string[]> {
    return (await findAll(this.store.collection<ProjectDoc>('start_projects'), {})).map((d) => d._id);
  }

  async load(projectId: string): Promise<StartState> {
    const state = emptyStartState();
    const head = await this.store.collection<ProjectDoc>('start_projects').get(projectId);
    if (head) state.project = head.project;
    const base = await this.store.collection<BaseCommitDoc>('start_base_commits').get(projectId);
    if (base) state.baseCommit = base.baseCommit;
    for (const d of await findAll(this.parts<Task>('start_tasks'), { projectId }))
      state.tasks.set(d.value.id, d.value);
    for (const d of await findAll(this.parts<RunFinished>('start_finished'), { projectId }))
      state.finished.set(d.value.taskId, d.value);
    for (const d of await findAll(this.parts<Run>('start_runs'), { projectId }))
      state.runs.set(d.value.id, d.value);
    for (const d of await findAll(this.parts<Approval>('start_approvals'), { projectId }))
      state.approvals.set(d.value.id, d.value);
    return state;
  }

  async noteBaseCommit(projectId: string, baseCommit: string): Promise<void> {
    await this.store.collection<BaseCommitDoc>('start_base_commits').upsert({ _id: projectId, baseCommit });
  }

  /** Applies `task.updated` to `state` and stores it; an older revision changes nothing. */
  task(state: StartState, task: Task): Promise<void> {
    const newer = (seen: Task) => seen.revision <= task.revision;
    return this.keep('start_tasks', state.tasks, task.id, key(task.projectId, task.id), task, newer);
  }

  /** Applies `run.finished`: the task's latest finish is kept. */
  finished(state: StartState, finished: RunFinished): Promise<void> {
    const newer = (seen: RunFinished) => seen.finishedAt <= finished.finishedAt;
    const id = key(finished.projectId, finished.taskId);
    return this.keep('start_finished', state.finished, finished.taskId, id, finished, newer);
  }

  /** Applies `run.updated`; an older revision changes nothing. */
  run(state: StartState, run: Run): Promise<void> {
    const newer = (seen: Run) => seen.revision <= run.revision;
    return this.keep('start_runs', state.runs, run.id, key(run.projectId, run.id), run, newer);
  }

  /** Applies `approval.requested` or `approval.decided`: a decision is never undone by a late request. */
  approval(state: StartState, approval: Approval): Promise<void> {
    const newer = (seen: Approval) => seen.revision <= approval.revision;
    return this.keep('start_approvals', state.approvals, approval.id, approval.id, approval, newer);
  }

  /** Applies `project.updated`; an older revision changes nothing. */
  async project(state: StartState, project: Project): Promise<void> {
    if (state.project && state.project.revision > project.revision) return;
    state.project = project;
    await this.store.collection<ProjectDoc>('start_projects').upsert({ _id: project.id, project });
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** `value` into `map` under `mapKey` and into `collection` under `docId`, unless what is there is newer. */
  private async keep<T extends { projectId: string }>(
    collection: string,
    map: Map<string, T>,
    mapKey: string,
    docId: string,
    value: T,
    newerThan: (seen: T) => boolean,
  ): Promise<void> {
    const seen = map.get(mapKey);
    if (seen && !newerThan(seen)) return;
    map.set(mapKey, value);
    await this.parts<T>(collection).upsert({ _id: docId, projectId: value.projectId, value });
  }

  private parts<T>(name: string): Collection<ProjectPartDoc<T>> {
    return this.store.collection<ProjectPartDoc<T>>(name);
  }
}

/** Task ids are unique within a project only: the length prefix keeps `a/b`+`c` and `a`+`b/c` apart. */
const key = (projectId: string, id: string): string => `${projectId.length}:${projectId}/${id}`;
