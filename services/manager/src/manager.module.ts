import { Logger, Module } from '@nestjs/common';
import { Clock } from '@autopilot/kernel';
import { DocumentStore } from '@autopilot/store';
import { StoreDailySummaryRepository } from './adapters/daily-summary-repository';
import { StoreLearningRepository } from './adapters/learning-store';
import { StoreProjectRepository } from './adapters/project-repository';
import { StoreTaskGraphRepository } from './adapters/task-graph-repository';
import { StoreTickRecordRepository } from './adapters/tick-record-repository';
import { ApplyTaskGraphChangeUseCase } from './app/apply-task-graph-change.use-case';
import { ApplyTaskGraphUseCase } from './app/apply-task-graph.use-case';
import { BudgetPausesUseCase, BudgetResumesUseCase } from './app/budget-pauses.use-case';
import { DailySummaryUseCase } from './app/daily-summary.use-case';
import { HeldTaskGraphs } from './app/held-task-graphs';
import {
  DailySummaryRepository,
  LearningRepository,
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  TickRecordRepository,
  TickRequests,
} from './app/ports';
import { ProjectCommandsUseCase } from './app/project-commands.use-case';
import { RunCommandsUseCase } from './app/run-commands.use-case';
import { RunReportsUseCase } from './app/run-reports.use-case';
import { RunTickUseCase } from './app/run-tick.use-case';
import { SuspendedRunsUseCase } from './app/suspended-runs.use-case';
import { ApprovalRequestsUseCase, TaskApprovalsUseCase } from './app/task-approvals.use-case';
import { TickLoop } from './app/tick-loop';
import { AbortProjectHandler } from './handlers/abort-project.handler';
import { ApprovalDecidedHandler } from './handlers/approval-decided.handler';
import { BudgetExceededHandler } from './handlers/budget-exceeded.handler';
import { CancelRunHandler } from './handlers/cancel-run.handler';
import { CreateProjectHandler } from './handlers/create-project.handler';
import { UpdateProjectHandler } from './handlers/update-project.handler';
import { PauseProjectHandler } from './handlers/pause-project.handler';
import { ResumeProjectHandler } from './handlers/resume-project.handler';
import { RetryTaskHandler } from './handlers/retry-task.handler';
import { RunFinishedHandler } from './handlers/run-finished.handler';
import { RunStartedHandler } from './handlers/run-started.handler';
import { RunSuspendedHandler } from './handlers/run-suspended.handler';
import { SetAutonomyHandler } from './handlers/set-autonomy.handler';
import { StepRecordedHandler } from './handlers/step-recorded.handler';
import { TasksChangedHandler } from './handlers/tasks-changed.handler';
import { TasksGeneratedHandler } from './handlers/tasks-generated.handler';

/** The manager's log lines go through Nest's logger, which the runtime routes into JSON logs. */
function nestManagerLog(): ManagerLog {
  const logger = new Logger('manager');
  return {
    info: (message, fields) => logger.log({ msg: message, ...fields }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields }),
  };
}

/** The manager service's Nest module: its handlers and use cases are registered here. */
@Module({
  controllers: [
    CreateProjectHandler,
    UpdateProjectHandler,
    PauseProjectHandler,
    ResumeProjectHandler,
    SetAutonomyHandler,
    TasksGeneratedHandler,
    TasksChangedHandler,
    RunStartedHandler,
    StepRecordedHandler,
    RunFinishedHandler,
    RunSuspendedHandler,
    RetryTaskHandler,
    CancelRunHandler,
    AbortProjectHandler,
    ApprovalDecidedHandler,
    BudgetExceededHandler,
  ],
  providers: [
    ProjectCommandsUseCase,
    ApplyTaskGraphUseCase,
    ApplyTaskGraphChangeUseCase,
    // One per process: the v1 and v2 handlers share the graphs held.
    { provide: HeldTaskGraphs, useFactory: () => new HeldTaskGraphs() },
    RunTickUseCase,
    RunReportsUseCase,
    RunCommandsUseCase,
    ApprovalRequestsUseCase,
    TaskApprovalsUseCase,
    SuspendedRunsUseCase,
    BudgetResumesUseCase,
    BudgetPausesUseCase,
    TickLoop,
    DailySummaryUseCase,
    { provide: TickRequests, useExisting: TickLoop },
    {
      provide: ProjectRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreProjectRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: TaskGraphRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreTaskGraphRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: TickRecordRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreTickRecordRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: LearningRepository,
      useFactory: (store: DocumentStore) => new StoreLearningRepository(store),
      inject: [DocumentStore],
    },
    {
      provide: DailySummaryRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreDailySummaryRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    { provide: ManagerLog, useFactory: nestManagerLog },
  ],
})
export class ManagerModule {}
