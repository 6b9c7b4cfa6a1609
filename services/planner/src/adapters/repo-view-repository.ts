import type { CollectionSpec, Doc, DocumentStore, StoreTransaction } from '@autopilot/store';
import type { RepoViewRepository } from '../app/ports';
import type { RepoView } from '../domain/repo-check/repo-view';

/** The `repo_views` collection: one document per project, its repository as last scanned. */
const REPO_VIEWS = 'repo_views';

/** Declared by the service definition (index.ts). */
export const REPO_VIEW_COLLECTIONS: readonly CollectionSpec[] = [{ name: REPO_VIEWS }];

interface RepoViewDoc extends Doc {
  /** The project id. */
  _id: string;
  view: RepoView;
}

/**
 * Records the project's repository view inside the caller's transaction: the plan repository's, so
 * a scan's view and the plans checked against it commit together.
 */
export async function recordRepoView(tx: StoreTransaction, projectId: string, view: RepoView): Promise<void> {
  await tx.collection<RepoViewDoc>(REPO_VIEWS).upsert({ _id: projectId, view });
}

/** RepoViewRepository over the DocumentStore port. */
export class StoreRepoViewRepository implements RepoViewRepository {
  constructor(private readonly store: DocumentStore) {}

  async current(projectId: string): Promise<RepoView | undefined> {
    return (await this.store.collection<RepoViewDoc>(REPO_VIEWS).get(projectId))?.view;
  }
}
