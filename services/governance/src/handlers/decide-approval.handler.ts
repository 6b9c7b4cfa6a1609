import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { GovernanceDecideApprovalV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { DecideApprovalUseCase } from '../app/decide-approval';

/** A person's approve / reject; a refused decision is logged, audited and dead-lettered. */
@Controller()
export class DecideApprovalHandler {
  constructor(private readonly decideApproval: DecideApprovalUseCase) {}

  @EventPattern(GovernanceDecideApprovalV1.subject, {
    consumer: 'governance-decide-approval',
  } satisfies BusEventOptions)
  async handle(@Payload() cmd: GovernanceDecideApprovalV1): Promise<void> {
    await this.decideApproval.execute(cmd);
  }
}
