import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BudgetExceededV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { BudgetPausesUseCase } from '../app/budget-pauses.use-case';

/** `budget.exceeded` → the project paused by its cap (resuming by itself when a daily or weekly window reopens). */
@Controller()
export class BudgetExceededHandler {
  constructor(private readonly uc: BudgetPausesUseCase) {}

  @EventPattern(BudgetExceededV1.subject, { consumer: 'manager-budget-exceeded' } satisfies BusEventOptions)
  async handle(@Payload() message: BudgetExceededV1): Promise<void> {
    await this.uc.exceeded(message);
  }
}
