import { Logger, Module } from '@nestjs/common';
import { Clock } from '@autopilot/kernel';
import { ServiceSettings } from '@autopilot/runtime';
import { DocumentStore } from '@autopilot/store';
import { StoreApprovalRepository } from './adapters/approval-repository';
import { StoreBudgetLedgerRepository } from './adapters/budget-ledger-repository';
import { StorePolicyRepository } from './adapters/policy-repository';
import { StoreProjectBudgetRepository } from './adapters/project-budget-repository';
import { ApprovalTimer } from './app/approval-timer';
import { DecideApprovalUseCase } from './app/decide-approval';
import { EvaluateActionUseCase } from './app/evaluate-action';
import {
  ApprovalRepository,
  BudgetConfig,
  BudgetLedgerRepository,
  GovernanceLog,
  PolicyRepository,
  ProjectBudgetRepository,
} from './app/ports';
import { RecordProjectBudgetUseCase } from './app/record-project-budget';
import { RecordProjectPolicyUseCase } from './app/record-project-policy';
import { RequestApprovalUseCase } from './app/request-approval';
import { ReserveBudgetUseCase } from './app/reserve-budget';
import { SettleBudgetUseCase } from './app/settle-budget';
import { SweepApprovalsUseCase } from './app/sweep-approvals';
import { WithdrawApprovalUseCase } from './app/withdraw-approval';
import type { GovernanceSettings } from './governance-settings';
import { DecideApprovalHandler } from './handlers/decide-approval.handler';
import { EvaluateHandler } from './handlers/evaluate.handler';
import { PolicyInputsHandler } from './handlers/policy-inputs.handler';
import { ProjectUpdatedHandler } from './handlers/project-updated.handler';
import { RequestApprovalHandler } from './handlers/request-approval.handler';
import { ReserveBudgetHandler } from './handlers/reserve-budget.handler';
import { SettleBudgetHandler } from './handlers/settle-budget.handler';
import { WithdrawApprovalHandler } from './handlers/withdraw-approval.handler';

function nestGovernanceLog(): GovernanceLog {
  const logger = new Logger('governance');
  return {
    info: (message, fields) => logger.log({ msg: message, ...fields }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields }),
  };
}

/** The governance service's Nest module: its handlers and use cases are registered here. */
@Module({
  controllers: [
    ProjectUpdatedHandler,
    PolicyInputsHandler,
    EvaluateHandler,
    DecideApprovalHandler,
    WithdrawApprovalHandler,
    RequestApprovalHandler,
    ReserveBudgetHandler,
    SettleBudgetHandler,
  ],
  providers: [
    RecordProjectBudgetUseCase,
    RecordProjectPolicyUseCase,
    EvaluateActionUseCase,
    DecideApprovalUseCase,
    WithdrawApprovalUseCase,
    RequestApprovalUseCase,
    SweepApprovalsUseCase,
    ApprovalTimer,
    ReserveBudgetUseCase,
    SettleBudgetUseCase,
    // The runtime read and checked the settings at start (governance-settings.ts).
    {
      provide: BudgetConfig,
      useFactory: (settings: GovernanceSettings) => settings,
      inject: [ServiceSettings],
    },
    {
      provide: ProjectBudgetRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreProjectBudgetRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: BudgetLedgerRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreBudgetLedgerRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: PolicyRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StorePolicyRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: ApprovalRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreApprovalRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    { provide: GovernanceLog, useFactory: nestGovernanceLog },
  ],
})
export class GovernanceModule {}
