import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  IngestionProgressV1,
  RepoScannedV1,
  type Envelope,
  type IngestionScanRepoV1,
} from '@autopilot/contracts';
import { Clock, IdSource } from '@autopilot/kernel';
import { commitWithOutbox, DocumentStore } from '@autopilot/store';
import { describeRepository, isReusable, REPO_SCAN_FORMAT, scanResult } from '../domain/repo-scan/repo-scan';
import { RepoReadError, RepoScanError } from '../domain/repo-scan/repo-scan-errors';
import { RepoReader } from './repo-reader';
import { latestScanOf, REPO_SCANS, type RepoScanRecord, type SucceededRepoScan } from './repo-scan-records';

/** What became of one `cmd.ingestion.scan_repo`. */
export type ScanRepoOutcome = 'scanned' | 'reused' | 'failed' | 'duplicate';

export interface ScanRepoMeta {
  /** The command's envelope id: the events' causation. */
  readonly messageId: string;
}

/**
 * Scans a project's repository at a ref (the default branch when the command names none) and
 * announces it with `repo.scanned` and a final `ingestion.progress`, both through the outbox with
 * the job's record. Idempotent by job id: a redelivered or resent command for a finished job is a
 * no-op. An unchanged repository (same snapshot hash as the location's last scan) reuses that
 * scan's result; a changed one re-reads only the manifests whose hash changed. A location or ref
 * that cannot be scanned fails the job (a `failed` progress event) instead of being retried.
 */
@Injectable()
export class ScanRepoUseCase {
  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(RepoReader) private readonly reader: RepoReader,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
  ) {}

  async execute(command: IngestionScanRepoV1, meta: ScanRepoMeta): Promise<ScanRepoOutcome> {
    const records = this.store.collection<RepoScanRecord>(REPO_SCANS);
    if ((await records.get(command.jobId)) !== null) return 'duplicate';

    const repoKey = command.repo.location;
    const ref = command.ref ?? command.repo.defaultBranch;
    const previous = await latestScanOf(this.store, repoKey);
    let record: RepoScanRecord;
    try {
      record = await this.scan(command, meta, ref, previous);
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
    const events = this.events(command, meta, record);
    return commitWithOutbox(
      this.store,
      async (tx) => {
        const jobs = tx.collection<RepoScanRecord>(REPO_SCANS);
        // A concurrent delivery of the same job may have committed while this one was scanning.
        if ((await jobs.get(command.jobId)) !== null) return { result: 'duplicate' as const, events: [] };
        await jobs.insert(record);
        const outcome: ScanRepoOutcome =
          record.status === 'failed' ? 'failed' : record.reusedFromJobId !== undefined ? 'reused' : 'scanned';
        return { result: outcome, events };
      },
      this.clock,
    );
  }

  private async scan(
    command: IngestionScanRepoV1,
    meta: ScanRepoMeta,
    ref: string,
    previous: SucceededRepoScan | undefined,
  ): Promise<SucceededRepoScan> {
    const { snapshot } = await this.reader.read(command.repo.location, {
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
    };
    if (previous && isReusable(previous, snapshot)) {
      return {
        ...base,
        result: previous.result,
        reusedFromJobId: previous._id,
        scannedAt: this.clock.isoNow(),
      };
    }
    const result = scanResult(describeRepository(snapshot));
    return { ...base, result, scannedAt: this.clock.isoNow() };
  }

  private events(command: IngestionScanRepoV1, meta: ScanRepoMeta, record: RepoScanRecord): Envelope[] {
    const fields = {
      time: record.scannedAt,
      source: 'ingestion',
      projectId: command.projectId,
      correlationId: command.jobId,
      causationId: meta.messageId,
    };
    const progress = (data: Omit<IngestionProgressV1, 'jobId' | 'projectId' | 'jobKind' | 'at'>) =>
      buildEnvelope(
        IngestionProgressV1,
        {
          jobId: command.jobId,
          projectId: command.projectId,
          jobKind: 'repo_scan',
          at: record.scannedAt,
          ...data,
        },
        { ...fields, id: this.ids.next() },
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
      buildEnvelope(RepoScannedV1, scanned, { ...fields, id: this.ids.next() }),
      progress({ phase: 'done', done: record.result.fileCount, total: record.result.fileCount }),
    ];
  }
}
