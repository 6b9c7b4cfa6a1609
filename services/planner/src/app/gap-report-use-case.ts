import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, GapReportCreatedV1, type Envelope, type RepoScannedV1 } from '@autopilot/contracts';
import { Clock, IdSource, NonRetryableError, sha256Hex } from '@autopilot/kernel';
import { commitWithOutbox, DocumentStore, type Doc } from '@autopilot/store';
import { scanGaps, type GapScanOptions, type RepoGapReport } from '../domain/gaps/gap-report';
import type { SnapshotToolchain } from '../domain/gaps/gap-snapshot';
import { proposePlan, type RepoPlanProposal } from '../domain/proposal/proposal';
import { latestAnchor } from './anchor-records';
import { RepoReadError, RepoSnapshotReader } from './gap-repo-reader';
import { recordProposal } from './proposal-records';

/** The `gap_reports` collection: each report once per project, under its content id. */
export const GAP_REPORTS_COLLECTION = 'gap_reports';

export interface GapReportDoc extends Doc {
  /** `<projectId>/<reportId>`. */
  _id: string;
  projectId: string;
  report: GapReportCreatedV1;
}

export interface ScanRepoGapsInput {
  readonly projectId: string;
  /** A local path to the repository. */
  readonly repoPath: string;
  /** The commit to scan; HEAD when absent. */
  readonly commit?: string;
  readonly toolchains?: readonly SnapshotToolchain[];
  readonly options?: GapScanOptions;
  /** The event that prompted the scan (`triggeredBy`, and the causation id of what is published). */
  readonly triggeredBy?: string;
  readonly correlationId?: string;
}

export interface ScanRepoGapsResult {
  readonly report: RepoGapReport;
  readonly proposal?: RepoPlanProposal;
  /** False when this very report (and proposal) had been recorded before: nothing was published. */
  readonly published: { readonly report: boolean; readonly proposal: boolean };
}

export type RepoScannedOutcome =
  | ({ readonly status: 'scanned' } & ScanRepoGapsResult)
  | { readonly status: 'skipped'; readonly reason: string };

/**
 * Scans a repository for gaps (read-only), proposes actions against the project's latest intention
 * anchor, and records both with their `gap_report.created` / `plan_proposal.created` events in one
 * transaction. Ids follow content, so a redelivered trigger or an unchanged repository records and
 * publishes nothing new. With no anchor yet (no blueprint planned), the report is made and the
 * proposal waits: a proposal without an intention to serve would have nothing to trace to.
 */
@Injectable()
export class ScanRepoGapsUseCase {
  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(RepoSnapshotReader) private readonly reader: RepoSnapshotReader,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
  ) {}

  /** For `repo.scanned`: scans the repository where the event says it is, when that is a local path. */
  async onRepoScanned(
    scanned: RepoScannedV1,
    context: { messageId: string; correlationId?: string },
  ): Promise<RepoScannedOutcome> {
    const repoPath = localRepoPath(scanned.repo.location);
    if (repoPath === undefined) {
      return {
        status: 'skipped',
        reason: `${scanned.repo.location} is not a local path; the scan reads no remote`,
      };
    }
    const result = await this.execute({
      projectId: scanned.projectId,
      repoPath,
      commit: scanned.commit,
      toolchains: scanned.toolchains,
      triggeredBy: context.messageId,
      ...(context.correlationId !== undefined ? { correlationId: context.correlationId } : {}),
    });
    return { status: 'scanned', ...result };
  }

  async execute(input: ScanRepoGapsInput): Promise<ScanRepoGapsResult> {
    let snapshot;
    try {
      snapshot = await this.reader.read(input.repoPath, input.commit);
    } catch (e) {
      // A missing repository or commit does not appear on retry: dead-letter it with the reason.
      if (e instanceof RepoReadError) throw new NonRetryableError(e.message, { cause: e });
      throw e;
    }
    const report = scanGaps(
      input.toolchains !== undefined ? { ...snapshot, toolchains: input.toolchains } : snapshot,
      { ...input.options, hash: sha256Hex },
    );
    const anchor = await latestAnchor(this.store, input.projectId);
    const proposal = anchor !== undefined ? proposePlan(anchor, report, { hash: sha256Hex }) : undefined;
    const time = this.clock.isoNow();
    const envelopeFields = {
      source: 'planner',
      time,
      projectId: input.projectId,
      ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
      ...(input.triggeredBy !== undefined ? { causationId: input.triggeredBy } : {}),
    };

    const published = await commitWithOutbox(
      this.store,
      async (tx) => {
        const events: Envelope[] = [];
        const reports = tx.collection<GapReportDoc>(GAP_REPORTS_COLLECTION);
        const reportDocId = `${input.projectId}/${report.id}`;
        if ((await reports.get(reportDocId)) === null) {
          const payload: GapReportCreatedV1 = {
            ...report,
            projectId: input.projectId,
            ...(input.triggeredBy !== undefined ? { triggeredBy: input.triggeredBy } : {}),
            createdAt: time,
          };
          await reports.insert({ _id: reportDocId, projectId: input.projectId, report: payload });
          events.push(buildEnvelope(GapReportCreatedV1, payload, { ...envelopeFields, id: this.ids.next() }));
        }
        const reportPublished = events.length > 0;
        if (proposal !== undefined) {
          const envelope = await recordProposal(tx, input.projectId, proposal, {
            envelopeId: this.ids.next(),
            time,
            ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
            ...(input.triggeredBy !== undefined ? { causationId: input.triggeredBy } : {}),
          });
          if (envelope !== undefined) events.push(envelope);
        }
        return {
          result: { report: reportPublished, proposal: events.length > (reportPublished ? 1 : 0) },
          events,
        };
      },
      this.clock,
    );
    return { report, ...(proposal !== undefined ? { proposal } : {}), published };
  }
}

/**
 * The local path a RepoRef location names: a plain path or a `file://` URL. Clone URLs (`https://`,
 * `ssh://`, `git@host:repo`) give undefined: the gap scanner reads, it does not clone.
 */
export function localRepoPath(location: string): string | undefined {
  if (location.startsWith('file://'))
    return decodeURIComponent(location.slice('file://'.length)) || undefined;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location)) return undefined;
  if (/^[^/\\]+@[^/\\:]+:/.test(location)) return undefined; // scp-like git@host:org/repo
  return location;
}
