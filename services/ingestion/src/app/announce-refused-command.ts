import { Inject, Injectable } from '@nestjs/common';
import {
  IngestionProgressV1,
  IngestionScanRepoV1,
  IngestionSubmitBlueprintV1,
  type Envelope,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes, type CommandRefusals, type RefusedCommand } from '@autopilot/runtime';
import { BlueprintRepository, RepoScanRepository } from './ports';

const JOB_KINDS: Readonly<Record<string, IngestionProgressV1['jobKind']>> = {
  [IngestionSubmitBlueprintV1.type]: 'blueprint',
  [IngestionScanRepoV1.type]: 'repo_scan',
};

/** A string field of the refused payload, if it has one. */
function field(refused: RefusedCommand, key: string): string | undefined {
  const value = refused.data?.[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A `submit_blueprint` or `scan_repo` the bus dead-lettered (its body broke the contract or was too
 * large, its envelope named the wrong producer, or its handler failed on every delivery) ends its
 * job with a failed `ingestion.progress`, the event every client waiting on a job watches
 * (DESIGN.md: every job ends in an event). Without it the client waited for its timeout and the job
 * never ended.
 *
 * The job is the payload's `jobId` (else the envelope's correlation, which senders set to the job),
 * its project the payload's (else the envelope's). Announced only when no job of that id has ended
 * or been started by an earlier copy: a refused copy of a command whose job exists says nothing
 * about that job, and must not let a forger fail someone else's job. The exception is
 * `BUS_MAX_DELIVERIES` on a job still open: its own handling kept failing, so that job ends here.
 */
@Injectable()
export class AnnounceRefusedCommandUseCase implements CommandRefusals {
  constructor(
    @Inject(BlueprintRepository) private readonly blueprints: BlueprintRepository,
    @Inject(RepoScanRepository) private readonly scans: RepoScanRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  async announce(refused: RefusedCommand): Promise<readonly Envelope[]> {
    const jobKind = JOB_KINDS[refused.type];
    const jobId = field(refused, 'jobId') ?? refused.correlationId;
    const projectId = field(refused, 'projectId') ?? refused.projectId;
    if (jobKind === undefined || jobId === undefined || projectId === undefined) return [];
    if (!(await this.mayEnd(jobKind, jobId, refused.code))) return [];
    const error = {
      code: refused.code.slice(0, 64),
      message: `the ${refused.type} command was refused: ${refused.reason}`.slice(0, 2000),
    };
    const progress: IngestionProgressV1 = {
      jobId,
      projectId,
      jobKind,
      phase: 'failed',
      done: 0,
      error,
      at: this.clock.isoNow(),
    };
    return [this.envelopes.build(IngestionProgressV1, progress, { projectId, correlationId: jobId })];
  }

  /** Whether this refusal may end job `jobId` (see the class comment). */
  private async mayEnd(kind: IngestionProgressV1['jobKind'], jobId: string, code: string): Promise<boolean> {
    if (kind === 'repo_scan') {
      // A scan's record is written once, when it ends: any record means its end was announced.
      return (await this.scans.job(jobId)) === null;
    }
    const job = await this.blueprints.job(jobId);
    if (job === null) return true;
    const open = job.state === 'pending' || job.state === 'running';
    return open && code === 'BUS_MAX_DELIVERIES';
  }
}
