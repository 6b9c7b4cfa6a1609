import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { GovernanceRequestApprovalV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RequestApprovalUseCase } from '../app/request-approval';

/** The manager asks a person (a semi_auto task start, a run out of budget): the approval is opened. */
@Controller()
export class RequestApprovalHandler {
  constructor(private readonly requestApproval: RequestApprovalUseCase) {}

  @EventPattern(GovernanceRequestApprovalV1.subject, {
    consumer: 'governance-request-approval',
  } satisfies BusEventOptions)
  async handle(@Payload() cmd: GovernanceRequestApprovalV1): Promise<void> {
    await this.requestApproval.execute(cmd);
  }
}
