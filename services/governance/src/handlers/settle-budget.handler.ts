import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GovernanceSettleBudgetV1, type GovernanceSettleBudgetV1Reply } from '@autopilot/contracts';
import { SettleBudgetUseCase } from '../app/settle-budget';

/** Charges a call's actual cost against its reservation (idempotent by reservation id). */
@Controller()
export class SettleBudgetHandler {
  constructor(private readonly settleBudget: SettleBudgetUseCase) {}

  @MessagePattern(GovernanceSettleBudgetV1.subject)
  handle(@Payload() req: GovernanceSettleBudgetV1): Promise<GovernanceSettleBudgetV1Reply> {
    return this.settleBudget.execute(req);
  }
}
