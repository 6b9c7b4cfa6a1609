import type { PlanGeneratedV1, TasksGeneratedV1 } from '@autopilot/contracts';

/** One plan revision as this process announced it whole or as a change: the whole payloads. */
export interface AnnouncedRevision {
  readonly plan: PlanGeneratedV1;
  readonly tasks: TasksGeneratedV1;
}

/** The revision of a plan a new one is planned over: the stored head's name. */
export interface RevisionName {
  readonly planId: string;
  readonly revision: number;
  readonly generatedAt: string;
}

/**
 * Plans kept by default. Each entry holds a whole plan and task graph (tens of MB for a large
 * blueprint, shared with PlanningMemo for the plan last planned); a plan let go is told whole
 * the next time, which is always right.
 */
const DEFAULT_CAPACITY = 8;

/**
 * The last revision of each plan this process announced and committed, kept so that the next
 * revision can be told as a change to it (`plan.generated` / `tasks.generated` v2): consumers that
 * were listening hold exactly these payloads. The payload objects themselves are kept, never
 * copies. In memory only: a planner that restarted holds none, and announces whole. One per planner
 * (the module provides it to every use case that announces a plan revision).
 */
export class AnnouncedRevisions {
  /** In the order they were last announced, oldest first. */
  private readonly byPlan = new Map<string, AnnouncedRevision>();

  constructor(private readonly capacity: number = DEFAULT_CAPACITY) {}

  /** Call only once the announcement is committed: the revision is then what consumers hold. */
  remember(plan: PlanGeneratedV1, tasks: TasksGeneratedV1): void {
    this.byPlan.delete(plan.planId);
    this.byPlan.set(plan.planId, { plan, tasks });
    while (this.byPlan.size > this.capacity) {
      const oldest = this.byPlan.keys().next().value;
      if (oldest === undefined) break;
      this.byPlan.delete(oldest);
    }
  }

  /**
   * The revision last announced of `head`'s plan when it is `head` itself (same revision and time:
   * a store reset numbers revisions from 1 again), else undefined: the stored plan moved on through
   * another path or process, so consumers may hold something else.
   */
  baseFor(head: RevisionName | undefined): AnnouncedRevision | undefined {
    if (!head) return undefined;
    const last = this.byPlan.get(head.planId);
    if (!last) return undefined;
    const { plan } = last;
    return plan.revision === head.revision && plan.generatedAt === head.generatedAt ? last : undefined;
  }
}
