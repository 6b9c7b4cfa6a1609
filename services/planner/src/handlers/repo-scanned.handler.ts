import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { RepoScannedV1 } from '@autopilot/contracts';
import type { BusContext, BusEventOptions } from '@autopilot/nest-transport';
import { ReportRepoGapsUseCase } from '../app/report-repo-gaps';

/** A scanned repository gets a gap report, and a plan proposal against the project's anchor. */
@Controller()
export class RepoScannedHandler {
  constructor(private readonly reportRepoGaps: ReportRepoGapsUseCase) {}

  @EventPattern(RepoScannedV1.subject, { consumer: 'planner-repo-scanned' } satisfies BusEventOptions)
  async handle(@Payload() scanned: RepoScannedV1, @Ctx() ctx: BusContext): Promise<void> {
    await this.reportRepoGaps.execute(scanned, { messageId: ctx.messageId() });
  }
}
