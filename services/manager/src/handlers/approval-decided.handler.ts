import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ApprovalDecidedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { TaskApprovalsUseCase } from '../app/task-approvals.use-case';

/**
 * `approval.decided` → the task that waited for it to start: ready (approved), cancelled or skipped;
 * or the suspended run that waited for it: resumed from its checkpoint, or ended.
 */
@Controller()
export class ApprovalDecidedHandler {
  constructor(private readonly uc: TaskApprovalsUseCase) {}

  @EventPattern(ApprovalDecidedV1.subject, { consumer: 'manager-approval-decided' } satisfies BusEventOptions)
  async handle(@Payload() message: ApprovalDecidedV1): Promise<void> {
    await this.uc.decided(message);
  }
}
