import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RepoScannedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { CheckPlansAgainstRepoUseCase } from '../app/check-plans-against-repo';

/**
 * A scanned repository checks the project's plans against it (scope, validation). A consumer of
 * its own beside the gap report's: each commits once per message, and neither waits for the other.
 */
@Controller()
export class RepoScannedPlansHandler {
  constructor(private readonly checkPlans: CheckPlansAgainstRepoUseCase) {}

  @EventPattern(RepoScannedV1.subject, { consumer: 'planner-repo-scanned-plans' } satisfies BusEventOptions)
  async handle(@Payload() scanned: RepoScannedV1): Promise<void> {
    await this.checkPlans.execute(scanned);
  }
}
