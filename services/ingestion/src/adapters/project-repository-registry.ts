import type { Clock } from '@autopilot/kernel';
import { StoreDuplicateKeyError, type CollectionSpec, type Doc, type DocumentStore } from '@autopilot/store';
import type { ProjectRepositories } from '../app/ports';

const PROJECT_REPOSITORIES = 'project_repositories';

/** One document per project, `_id` = project id: the repository its first successful scan read. */
export const projectRepositoryCollections: readonly CollectionSpec[] = [{ name: PROJECT_REPOSITORIES }];

interface ProjectRepositoryRecord extends Doc {
  location: string;
  /** The scan job that registered it. */
  jobId: string;
  registeredAt: string;
}

/** ProjectRepositories over the DocumentStore port; the first insert wins (a duplicate key loses). */
export class StoreProjectRepositories implements ProjectRepositories {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async registered(projectId: string): Promise<string | undefined> {
    return (await this.records().get(projectId))?.location;
  }

  async register(projectId: string, location: string, jobId: string): Promise<string> {
    try {
      await this.records().insert({ _id: projectId, location, jobId, registeredAt: this.clock.isoNow() });
      return location;
    } catch (err) {
      if (!(err instanceof StoreDuplicateKeyError)) throw err;
      return (await this.registered(projectId)) ?? location;
    }
  }

  private records() {
    return this.store.collection<ProjectRepositoryRecord>(PROJECT_REPOSITORIES);
  }
}
