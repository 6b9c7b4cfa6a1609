import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import { commitWithOutbox, type CollectionSpec, type DocumentStore } from '@autopilot/store';
import type { RepoScanRecord, RepoScanRepository, SucceededRepoScan } from '../app/ports';

const REPO_SCANS = 'repo_scans';

/** The collection scan jobs live in: the latest successful scan of a location is one indexed lookup. */
export const repoScanCollections: readonly CollectionSpec[] = [
  { name: REPO_SCANS, indexes: [{ fields: { repoKey: 1, status: 1, scannedAt: -1 } }] },
];

/** `RepoScanRepository` over the DocumentStore port: one document per scan job, `_id` = job id. */
export class StoreRepoScanRepository implements RepoScanRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  job(jobId: string): Promise<RepoScanRecord | null> {
    return this.store.collection<RepoScanRecord>(REPO_SCANS).get(jobId);
  }

  async latestSucceeded(repoKey: string): Promise<SucceededRepoScan | undefined> {
    const page = await this.store
      .collection<RepoScanRecord>(REPO_SCANS)
      .find({ repoKey, status: 'succeeded' }, { sort: { scannedAt: -1 }, limit: 1 });
    const latest = page.items[0];
    return latest?.status === 'succeeded' ? latest : undefined;
  }

  /** The job's one commit: it also records the command being handled in the inbox. */
  commit(
    next: RepoScanRecord,
    expectedVersion: number,
    events: readonly Envelope[],
  ): Promise<RepoScanRecord> {
    return commitWithOutbox(
      this.store,
      async (tx) => {
        await recordHandledMessage(tx, this.clock);
        return {
          result: await tx.collection<RepoScanRecord>(REPO_SCANS).replaceIfVersion(next, expectedVersion),
          events,
        };
      },
      this.clock,
    );
  }
}
