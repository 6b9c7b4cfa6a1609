import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { WorkerExecuteRunV1 } from '@autopilot/contracts';
import { BusContext, type BusEventOptions } from '@autopilot/nest-transport';
import { ExecuteRunUseCase } from '../app/execute-run.use-case';

/**
 * Runs one replica holds at once. A decorator's options are fixed when the class is defined, so this
 * is a constant rather than a setting: capacity grows by adding replicas, which share the consumer.
 */
export const RUNS_PER_WORKER = 2;

/** `worker.execute_run` → one run to its end; every replica shares this work-queue consumer. */
@Controller()
export class ExecuteRunHandler {
  constructor(private readonly uc: ExecuteRunUseCase) {}

  // A run takes minutes: the use case calls working() on every step and on a heartbeat between.
  @EventPattern(WorkerExecuteRunV1.subject, {
    consumer: 'worker-execute-run',
    concurrency: RUNS_PER_WORKER,
  } satisfies BusEventOptions)
  async handle(@Payload() command: WorkerExecuteRunV1, @Ctx() ctx: BusContext): Promise<void> {
    await this.uc.execute(command, { working: () => ctx.working() });
  }
}
