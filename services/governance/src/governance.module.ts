import { Module } from '@nestjs/common';
import { Clock } from '@autopilot/kernel';
import { ServiceSettings } from '@autopilot/runtime';
import { DocumentStore } from '@autopilot/store';
import { StoreBudgetLedgerRepository } from './adapters/budget-ledger-repository';
import { StoreProjectBudgetRepository } from './adapters/project-budget-repository';
import { BudgetConfig, BudgetLedgerRepository, ProjectBudgetRepository } from './app/ports';
import { RecordProjectBudgetUseCase } from './app/record-project-budget';
import { ReserveBudgetUseCase } from './app/reserve-budget';
import { SettleBudgetUseCase } from './app/settle-budget';
import type { GovernanceSettings } from './governance-settings';
import { ProjectUpdatedHandler } from './handlers/project-updated.handler';
import { ReserveBudgetHandler } from './handlers/reserve-budget.handler';
import { SettleBudgetHandler } from './handlers/settle-budget.handler';

/** The governance service's Nest module: its handlers and use cases are registered here. */
@Module({
  controllers: [ProjectUpdatedHandler, ReserveBudgetHandler, SettleBudgetHandler],
  providers: [
    RecordProjectBudgetUseCase,
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
  ],
})
export class GovernanceModule {}
