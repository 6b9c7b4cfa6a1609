import { Inject, Injectable } from '@nestjs/common';
import {
  IngestionProgressV1,
  RepoScannedV1,
  type Envelope,
  type IngestionScanRepoV1,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { StoreRevisionConflictError } from '@autopilot/store';
import { describeRepository, isReusable, REPO_SCAN_FORMAT, scanResult } from '../domain/repo-scan/repo-scan';
import { RepoReadError, RepoScanError } from '../domain/repo-scan/repo-scan-errors';
import { RepoReader, RepoScanRepository, type RepoScanRecord, type SucceededRepoScan } from './ports';
import { RepoLocationGuard } from './repo-location-guard';

/** What became of one `cmd.ingestion.scan_repo`. */
export type ScanRepoOutcome = 'scanned' | 'reused' | 'failed' | 'duplicate';

export interface ScanRepoMeta {
  /** The command's envelope id, kept on the job's record. */
  readonly messageId: string;
}

/**
 * Scans a project's repository at a ref (the default branch when the command names none) and
 * announces it with `repo.scanned` and a final `ingestion.progress`, both committed with the job's
 * record. Idempotent by job id: a redelivered or resent command for a finished job is a no-op. An
 * unchanged repository (same snapshot hash as the location's last scan) reuses that scan's result;
 * a changed one re-reads only the manifests whose hash changed. A location or ref that cannot be
 * scanned fails the job (a `failed` progress event, acked) instead of being retried; so does a
 * location the service may not read (RepoLocationGuard: outside its roots, or not the project's
 * registered repository).
 */
@Injectable()
export class ScanRepoUseCase {
  constructor(
    @Inject(RepoScanRepository) private readonly scans: RepoScanRepository,
    @Inject(RepoReader) private readonly reader: RepoReader,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(RepoLocationGuard) private readonly locations: RepoLocationGuard,
  ) {}

  async execute(command: IngestionScanRepoV1, meta: ScanRepoMeta): Promise<ScanRepoOutcome> {
    if ((await this.scans.job(command.jobId)) !== null) return 'duplicate';

    const repoKey = command.repo.location;
    const ref = command.ref ?? command.repo.defaultBranch;
    const previous = await this.scans.latestSucceeded(repoKey);
    let record: RepoScanRecord;
    try {
      // The location is checked before anything is opened; a refusal fails the job with its reason.
      const admitted = await this.locations.admit(command.projectId, command.repo.location);
      record = await this.scan(command, meta, ref, previous, admitted.location);
      await this.locations.register(command.projectId, admitted, command.jobId);
    } catch (err) {
      if (!(err instanceof RepoScanError) || !err.badInput) throw err;
      record = {
        _id: command.jobId,
        status: 'failed',
        projectId: command.projectId,
        repoKey,
        ref,
        causationId: meta.messageId,
        scannedAt: this.clock.isoNow(),
        error: { code: err.code, message: err.message.slice(0, 2000) },
      };
    }
    try {
      await this.scans.commit(record, 0, this.events(command, record));
    } catch (err) {
      // A concurrent delivery of the same job committed while this one was scanning.
      if (err instanceof StoreRevisionConflictError) return 'duplicate';
      throw err;
    }
    if (record.status === 'failed') return 'failed';
    return record.reusedFromJobId !== undefined ? 'reused' : 'scanned';
  }

  private async scan(
    command: IngestionScanRepoV1,
    meta: ScanRepoMeta,
    ref: string,
    previous: SucceededRepoScan | undefined,
    location: string,
  ): Promise<SucceededRepoScan> {
    const { snapshot } = await this.reader.read(location, {
      ref,
      ...(previous ? { previous: { manifests: previous.manifests } } : {}),
    });
    // Reading a ref always yields its commit; a snapshot without one means the reader broke its port.
    if (snapshot.commit === undefined) {
      throw new RepoReadError(command.repo.location, `the reader returned no commit for ref ${ref}`);
    }
    const base = {
      _id: command.jobId,
      status: 'succeeded' as const,
      projectId: command.projectId,
      repoKey: command.repo.location,
      ref,
      causationId: meta.messageId,
      commit: snapshot.commit,
      formatVersion: REPO_SCAN_FORMAT,
      snapshotHash: snapshot.snapshotHash,
      manifests: [...snapshot.manifests],
      scannedAt: this.clock.isoNow(),
    };
    if (previous && isReusable(previous, snapshot)) {
      return { ...base, result: previous.result, reusedFromJobId: previous._id };
    }
    return { ...base, result: scanResult(describeRepository(snapshot)) };
  }

  /** The job's events: correlated with the job, caused by the command being handled. */
  private events(command: IngestionScanRepoV1, record: RepoScanRecord): Envelope[] {
    const routing = { projectId: command.projectId, correlationId: command.jobId };
    const progress = (data: Omit<IngestionProgressV1, 'jobId' | 'projectId' | 'jobKind' | 'at'>) =>
      this.envelopes.build(
        IngestionProgressV1,
        {
          jobId: command.jobId,
          projectId: command.projectId,
          jobKind: 'repo_scan',
          at: record.scannedAt,
          ...data,
        },
        routing,
      );
    if (record.status === 'failed') return [progress({ phase: 'failed', done: 0, error: record.error })];
    const scanned: RepoScannedV1 = {
      projectId: command.projectId,
      jobId: command.jobId,
      repo: command.repo,
      commit: record.commit,
      ref: record.ref,
      scannedAt: record.scannedAt,
      ...record.result,
      ...(record.reusedFromJobId !== undefined ? { reusedFromJobId: record.reusedFromJobId } : {}),
    };
    return [
      this.envelopes.build(RepoScannedV1, scanned, routing),
      progress({ phase: 'done', done: record.result.fileCount, total: record.result.fileCount }),
    ];
  }
}
