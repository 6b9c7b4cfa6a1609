import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IngestionScanRepoV1 } from '@autopilot/contracts';
import { BusContext } from '@autopilot/nest-transport';
import { ScanRepoUseCase } from '../app/scan-repo.use-case';

/** `cmd.ingestion.scan_repo` -> one scan job. */
@Controller()
export class ScanRepoHandler {
  constructor(private readonly scanRepo: ScanRepoUseCase) {}

  @EventPattern(IngestionScanRepoV1.subject, { consumer: 'ingestion-scan-repo' })
  async handle(@Payload() command: IngestionScanRepoV1, @Ctx() ctx: BusContext): Promise<void> {
    await this.scanRepo.execute(command, { messageId: ctx.messageId() });
  }
}
