import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { RepoScannedV1 } from '@autopilot/contracts';
import type { BusContext } from '@autopilot/nest-transport';
import { ScanRepoGapsUseCase } from '../app/gap-report-use-case';

/** A scanned repository gets a gap report, and a plan proposal against the project's anchor. */
@Controller()
export class RepoScannedHandler {
  constructor(private readonly scanRepoGaps: ScanRepoGapsUseCase) {}

  @EventPattern(RepoScannedV1.subject, { consumer: 'planner-repo-scanned' })
  async handle(@Payload() scanned: RepoScannedV1, @Ctx() ctx: BusContext): Promise<void> {
    const correlationId = ctx.correlationId();
    await this.scanRepoGaps.onRepoScanned(scanned, {
      messageId: ctx.messageId(),
      ...(correlationId !== undefined ? { correlationId } : {}),
    });
  }
}
