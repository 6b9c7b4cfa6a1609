import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { GovernanceWithdrawApprovalV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { WithdrawApprovalUseCase } from '../app/withdraw-approval';

/** The manager's withdrawal of an approval it no longer needs answered. */
@Controller()
export class WithdrawApprovalHandler {
  constructor(private readonly withdrawApproval: WithdrawApprovalUseCase) {}

  @EventPattern(GovernanceWithdrawApprovalV1.subject, {
    consumer: 'governance-withdraw-approval',
  } satisfies BusEventOptions)
  async handle(@Payload() cmd: GovernanceWithdrawApprovalV1): Promise<void> {
    await this.withdrawApproval.execute(cmd);
  }
}
