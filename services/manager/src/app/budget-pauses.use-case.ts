import { Inject, Injectable } from '@nestjs/common';
import { ProjectUpdatedV1, type BudgetExceededV1 } from '@autopilot/contracts';
import { Clock, hasCode } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { decideBudgetPause, decideBudgetResume } from '../domain/project/budget-pause';
import type { ProjectDecision, ProjectState } from '../domain/project/project';
import { ManagerLog, ProjectRepository, TickRequests, type Versioned } from './ports';

/** Tries when a concurrent commit (a command, the tick) changed the project meanwhile. */
const CONFLICT_TRIES = 5;

/**
 * Hard budgets, the manager's side (domain/project/budget-pause), `budget.exceeded`: governance refused a reservation at a cap (`budget.exceeded`). A daily, weekly or
 *   global cap pauses the project (kind `budget`, the cap and amounts as the reason, "raise the cap or wait until
 * <reopens>" as what unblocks it) with `project.updated`, and asks for a tick; a run's cap, a
 * duplicate, an unknown project or a late refusal whose window already reopened change nothing.
 * BudgetResumesUseCase ends the pause.
 */
@Injectable()
export class BudgetPausesUseCase {
  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    @Inject(TickRequests) private readonly ticks: TickRequests,
  ) {}

  async exceeded(event: BudgetExceededV1): Promise<ProjectDecision['kind']> {
    const fields = { projectId: event.projectId, scope: event.scope, runId: event.runId };
    const kind = await retrying(async () => {
      const stored = await this.projects.get(event.projectId);
      if (!stored) {
        this.log.warn('budget.exceeded for a project the manager does not hold: ignored', fields);
        return 'unchanged';
      }
      const nowMs = this.clock.now();
      const decision = decideBudgetPause(stored.value, event, nowMs, new Date(nowMs).toISOString());
      return commitProject(this.projects, this.envelopes, stored, decision, true);
    });
    if (kind === 'changed') {
      this.log.warn('project paused: a budget cap was reached', fields);
      this.ticks.request();
    }
    return kind;
  }
}

/**
 * The tick's side of budget pauses (kept apart from BudgetPausesUseCase: the tick loop needs it,
 * and tick requests need the tick loop): a project paused only by a budget cap whose window has
 * reopened resumes by itself, with a `project.updated` whose `resumeNote` says so, and a log line.
 * A pause by a person (or any other rule) is never lifted here.
 */
@Injectable()
export class BudgetResumesUseCase {
  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  /** Resumes every project whose budget pause ended at `nowMs`; the ids resumed. */
  async resumeDue(nowMs: number): Promise<string[]> {
    const resumed: string[] = [];
    for (const { value } of await this.projects.list()) {
      const { pause } = value.project;
      if (pause?.kind !== 'budget' || pause.resumesAt === undefined) continue;
      if (nowMs < Date.parse(pause.resumesAt)) continue;
      const kind = await retrying(async () => {
        const stored = await this.projects.get(value.project.id);
        if (!stored) return 'unchanged';
        const decision = decideBudgetResume(stored.value, nowMs, new Date(nowMs).toISOString());
        return commitProject(this.projects, this.envelopes, stored, decision, false);
      });
      if (kind !== 'changed') continue;
      resumed.push(value.project.id);
      this.log.info('project resumed by itself: its budget window reopened', {
        projectId: value.project.id,
        resumesAt: pause.resumesAt,
      });
    }
    return resumed;
  }
}

/** Stores a changed project with its `project.updated`. */
async function commitProject(
  projects: ProjectRepository,
  envelopes: OutboxEnvelopes,
  stored: Versioned<ProjectState>,
  decision: ProjectDecision,
  completesHandling: boolean,
): Promise<ProjectDecision['kind']> {
  if (decision.kind === 'unchanged') return 'unchanged';
  await projects.commit(
    decision.state,
    stored.version,
    [envelopes.build(ProjectUpdatedV1, decision.state.project)],
    {
      completesHandling,
    },
  );
  return 'changed';
}

async function retrying(fn: () => Promise<ProjectDecision['kind']>): Promise<ProjectDecision['kind']> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!hasCode(err, 'STORE_REVISION_CONFLICT') || attempt >= CONFLICT_TRIES) throw err;
    }
  }
}
