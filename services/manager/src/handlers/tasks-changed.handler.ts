import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TasksGeneratedV2 } from '@autopilot/contracts';
import type { BusContext, BusEventOptions } from '@autopilot/nest-transport';
import { ApplyTaskGraphChangeUseCase } from '../app/apply-task-graph-change.use-case';

/** `tasks.generated` v2 → the project's task graph, revised from the one held, or asked for whole. */
@Controller()
export class TasksChangedHandler {
  constructor(private readonly applyTaskGraphChange: ApplyTaskGraphChangeUseCase) {}

  @EventPattern(TasksGeneratedV2.subject, { consumer: 'manager-tasks-changed' } satisfies BusEventOptions)
  async handle(@Payload() change: TasksGeneratedV2, @Ctx() ctx: BusContext): Promise<void> {
    await this.applyTaskGraphChange.execute(change, ctx.correlationId());
  }
}
