import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TasksGeneratedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ApplyTaskGraphUseCase } from '../app/apply-task-graph.use-case';

/** `tasks.generated` → the project's task graph, revised. */
@Controller()
export class TasksGeneratedHandler {
  constructor(private readonly applyTaskGraph: ApplyTaskGraphUseCase) {}

  @EventPattern(TasksGeneratedV1.subject, { consumer: 'manager-tasks-generated' } satisfies BusEventOptions)
  async handle(@Payload() graph: TasksGeneratedV1): Promise<void> {
    await this.applyTaskGraph.execute(graph);
  }
}
