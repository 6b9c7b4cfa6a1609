import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { GovernanceReserveBudgetV1, type GovernanceReserveBudgetV1Reply } from '@autopilot/contracts';
import type { BusContext } from '@autopilot/nest-transport';
import { ReserveBudgetUseCase } from '../app/reserve-budget';

/** Admission before a model call: grants or refuses a reservation (idempotent by reservation id). */
@Controller()
export class ReserveBudgetHandler {
  constructor(private readonly reserveBudget: ReserveBudgetUseCase) {}

  @MessagePattern(GovernanceReserveBudgetV1.subject)
  handle(
    @Payload() req: GovernanceReserveBudgetV1,
    @Ctx() ctx: BusContext,
  ): Promise<GovernanceReserveBudgetV1Reply> {
    return this.reserveBudget.execute(req, { requestId: ctx.messageId() });
  }
}
