import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerRetryTaskV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunCommandsUseCase } from '../app/run-commands.use-case';

/** `manager.retry_task` → a failed or cancelled task reopened with a fresh allowance of attempts. */
@Controller()
export class RetryTaskHandler {
  constructor(private readonly uc: RunCommandsUseCase) {}

  @EventPattern(ManagerRetryTaskV1.subject, { consumer: 'manager-retry-task' } satisfies BusEventOptions)
  async handle(@Payload() message: ManagerRetryTaskV1): Promise<void> {
    await this.uc.retryTask(message);
  }
}
