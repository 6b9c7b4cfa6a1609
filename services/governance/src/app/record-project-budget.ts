import { Inject, Injectable } from '@nestjs/common';
import type { ProjectUpdatedV1 } from '@autopilot/contracts';
import { ProjectBudgetRepository } from './ports';

/** The zone a project's budget days and weeks are counted in: its schedule's, else UTC. */
export const DEFAULT_BUDGET_TIME_ZONE = 'UTC';

/**
 * `project.updated`: keeps the project's caps and time zone for the ledger. An event older than the
 * one kept (a lower revision, a redelivery) changes nothing. The caps and the zone are checked when
 * a reservation uses them: a bad one refuses reservations (fail closed) rather than the event.
 */
@Injectable()
export class RecordProjectBudgetUseCase {
  constructor(@Inject(ProjectBudgetRepository) private readonly projects: ProjectBudgetRepository) {}

  /** True when the project's budget was stored; false when the event was older than what is kept. */
  async execute(project: ProjectUpdatedV1): Promise<boolean> {
    const kept = await this.projects.get(project.id);
    if (kept && kept.projectRevision >= project.revision) return false;
    await this.projects.commit(
      {
        projectId: project.id,
        projectRevision: project.revision,
        caps: {
          runUsd: project.budgets.runUsd,
          dailyUsd: project.budgets.dailyUsd,
          weeklyUsd: project.budgets.weeklyUsd,
        },
        timeZone: project.schedule?.timezone ?? DEFAULT_BUDGET_TIME_ZONE,
      },
      kept?.version ?? 0,
      [],
    );
    return true;
  }
}
