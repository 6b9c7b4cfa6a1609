import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
  findAll,
} from '@autopilot/store';
import type { ProjectRepository, Versioned } from '../app/ports';
import type { ProjectState } from '../domain/project/project';

export const PROJECT_COLLECTIONS: readonly CollectionSpec[] = [{ name: 'projects' }];

interface ProjectDoc extends RevisionedDoc {
  state: ProjectState;
}

/** ProjectRepository over the DocumentStore port: one revisioned document per project. */
export class StoreProjectRepository implements ProjectRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(projectId: string): Promise<Versioned<ProjectState> | null> {
    const doc = await this.store.collection<ProjectDoc>('projects').get(projectId);
    return doc ? { value: doc.state, version: doc.version ?? 0 } : null;
  }

  async list(): Promise<Versioned<ProjectState>[]> {
    const docs = await findAll(this.store.collection<ProjectDoc>('projects'));
    return docs.map((d) => ({ value: d.state, version: d.version ?? 0 }));
  }

  async commit(
    next: ProjectState,
    expectedVersion: number,
    events: readonly Envelope[],
    opts: { completesHandling: boolean } = { completesHandling: true },
  ): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        if (opts.completesHandling) await recordHandledMessage(tx, this.clock);
        await tx
          .collection<ProjectDoc>('projects')
          .replaceIfVersion({ _id: next.project.id, state: next }, expectedVersion);
        return { result: undefined, events };
      },
      this.clock,
    );
  }
}
