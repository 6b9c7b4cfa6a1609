import type { Failure } from '@autopilot/contracts';
import type { CollectionSpec, Doc, DocumentStore } from '@autopilot/store';
import type { RepoScanResult } from '../domain/repo-scan/repo-scan';
import type { ManifestFile } from '../domain/repo-scan/repo-snapshot';

/** One document per scan job, `_id` = job id: a job's outcome is stored once, so a replay finds it. */
export const REPO_SCANS = 'repo_scans';

/** The collection as the service declares it: the latest successful scan of a location is one indexed lookup. */
export const repoScansCollection: CollectionSpec = {
  name: REPO_SCANS,
  indexes: [{ fields: { repoKey: 1, status: 1, scannedAt: -1 } }],
};

interface RepoScanRecordBase extends Doc {
  /** The scan job id. */
  _id: string;
  projectId: string;
  /** The location as the command gave it: scans of one location reuse each other. */
  repoKey: string;
  ref: string;
  /** The command's envelope id. */
  causationId: string;
  /** ISO-8601, when the job finished. */
  scannedAt: string;
}

/** A finished scan: what `repo.scanned` announced, and the manifests a later scan may reuse. */
export interface SucceededRepoScan extends RepoScanRecordBase {
  status: 'succeeded';
  commit: string;
  formatVersion: number;
  snapshotHash: string;
  result: RepoScanResult;
  manifests: ManifestFile[];
  /** Set when this job reused an earlier job's result (same snapshot hash). */
  reusedFromJobId?: string;
}

/** A scan that failed for good (bad location or ref): replays of the job fail the same way, silently. */
export interface FailedRepoScan extends RepoScanRecordBase {
  status: 'failed';
  error: Failure;
}

export type RepoScanRecord = SucceededRepoScan | FailedRepoScan;

/** The most recent successful scan of a location, or undefined. */
export async function latestScanOf(
  store: DocumentStore,
  repoKey: string,
): Promise<SucceededRepoScan | undefined> {
  const page = await store
    .collection<RepoScanRecord>(REPO_SCANS)
    .find({ repoKey, status: 'succeeded' }, { sort: { scannedAt: -1 }, limit: 1 });
  const latest = page.items[0];
  return latest?.status === 'succeeded' ? latest : undefined;
}
