import { Inject, Injectable } from '@nestjs/common';
import {
  GapReportCreatedV1,
  PlanProposalCreatedV1,
  type Envelope,
  type RepoScannedV1,
} from '@autopilot/contracts';
import { Clock, sha256Hex } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { scanGaps, type RepoGapReport } from '../domain/gaps/gap-report';
import { snapshotFromScan } from '../domain/gaps/gap-snapshot';
import { proposePlan } from '../domain/proposal/proposal';
import { AnchorRepository, GapReportRepository, PlanProposalRepository } from './ports';

/** What one `repo.scanned` led to. */
export interface RepoGapsOutcome {
  readonly report: GapReportCreatedV1;
  /** Present when `report.proposalId` is: announced right after the report. */
  readonly proposal?: PlanProposalCreatedV1;
  /** True when this report (or proposal) had been recorded before, by an earlier scan job. */
  readonly seenBefore: { readonly report: boolean; readonly proposal: boolean };
}

/**
 * A scanned repository gets a gap report, and a plan proposal against the project's current
 * intention anchor, computed from the `repo.scanned` event alone (the planner never reads the
 * repository). Every scan job ends in `gap_report.created`, also when the same report was recorded
 * before (its id follows the findings: consumers de-duplicate by it); its `proposalId` says whether
 * a `plan_proposal.created` follows, which is then announced right after it. With no anchor yet
 * (no blueprint planned) no proposal is made: it would have no intention to trace to.
 */
@Injectable()
export class ReportRepoGapsUseCase {
  constructor(
    @Inject(GapReportRepository) private readonly reports: GapReportRepository,
    @Inject(PlanProposalRepository) private readonly proposals: PlanProposalRepository,
    @Inject(AnchorRepository) private readonly anchors: AnchorRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  /**
   * `meta.messageId` is the `repo.scanned` envelope id (the report's `triggeredBy`). The report, the
   * proposal and their events commit together. Rejects only on store failures
   * (StoreRevisionConflictError when another scan job wrote the same record meanwhile: nothing is
   * written, and the redelivery announces again).
   */
  async execute(scanned: RepoScannedV1, meta: { messageId: string }): Promise<RepoGapsOutcome> {
    const found = scanGaps(snapshotFromScan(scanned), { hash: sha256Hex });
    const anchor = await this.anchors.current(scanned.projectId);
    const proposed = anchor !== undefined ? proposePlan(anchor, found, { hash: sha256Hex }) : undefined;
    const now = this.clock.isoNow();
    // The scan job's events, whatever correlation the repo.scanned envelope came with.
    const routing = { projectId: scanned.projectId, correlationId: scanned.jobId };

    const storedReport = await this.reports.get(scanned.projectId, found.id);
    const report = reportPayload(found, scanned.projectId, {
      createdAt: storedReport?.report.createdAt ?? now,
      triggeredBy: meta.messageId,
      ...(proposed !== undefined ? { proposalId: proposed.id } : {}),
    });
    const events: Envelope[] = [this.envelopes.build(GapReportCreatedV1, report, routing)];
    const reportRecord = { projectId: scanned.projectId, report, announcedAt: now };
    if (proposed === undefined) {
      await this.reports.commit(reportRecord, storedReport?.version ?? 0, events);
      return { report, seenBefore: { report: storedReport !== null, proposal: false } };
    }

    const storedProposal = await this.proposals.get(scanned.projectId, proposed.id);
    const proposal: PlanProposalCreatedV1 = storedProposal?.proposal ?? {
      ...proposed,
      projectId: scanned.projectId,
      createdAt: now,
    };
    // One commit for the report and the proposal it names: a crash between two would leave a report
    // announcing a proposal that never follows.
    events.push(this.envelopes.build(PlanProposalCreatedV1, proposal, routing));
    await this.reports.commit(reportRecord, storedReport?.version ?? 0, events, {
      next: { projectId: scanned.projectId, proposal, announcedAt: now },
      expectedVersion: storedProposal?.version ?? 0,
    });
    return {
      report,
      proposal,
      seenBefore: { report: storedReport !== null, proposal: storedProposal !== null },
    };
  }
}

function reportPayload(
  found: RepoGapReport,
  projectId: string,
  fields: { createdAt: string; triggeredBy: string; proposalId?: string },
): GapReportCreatedV1 {
  return { ...found, projectId, ...fields };
}
