import {
  PlanChangeMismatchError,
  wholePlanGenerated,
  wholeTasksGenerated,
  type PlanGeneratedV1,
  type PlanGeneratedV2,
  type TasksGeneratedV1,
  type TasksGeneratedV2,
} from '@autopilot/contracts';
import { AutopilotError } from '@autopilot/kernel';

/** A revision as a v2 event names its base: its number and when it was generated. */
interface RevisionName {
  readonly revision: number;
  readonly generatedAt: string;
}

/** The code of PlanBaseMissingError, which a job's `failed` carries. */
export const PLAN_BASE_MISSING = 'CLI_PLAN_BASE_MISSING';

/**
 * A v2 event this process cannot turn into the whole revision: the base it names is not the one
 * held (none held, or another revision), or the change does not fit it. The planner sends v2 only
 * against a revision it announced to listeners, so in the embedded topology this means an event
 * was missed.
 */
export class PlanBaseMissingError extends AutopilotError {
  readonly code = PLAN_BASE_MISSING;
  constructor(
    readonly event: 'plan.generated' | 'tasks.generated',
    readonly planId: string,
    readonly revision: number,
    readonly base: RevisionName,
    readonly held: RevisionName | undefined,
    /** Why the held base did not fit (PlanChangeMismatchError's problem), when one was held. */
    readonly problem?: string,
  ) {
    const named = `revision ${base.revision} (generated ${base.generatedAt})`;
    const holds =
      held === undefined
        ? 'no revision of it is held'
        : `the revision held is ${held.revision} (generated ${held.generatedAt})`;
    super(
      `${event} v2 of plan ${planId} revision ${revision} is a change to ${named}, which this process ` +
        `does not hold: ${holds}${problem === undefined ? '' : `; ${problem}`}`,
    );
  }
}

/** The latest whole revision held of each plan, of one kind of event; never goes backwards. */
class LatestByPlan<W extends { planId: string }> {
  private readonly held = new Map<string, W>();

  constructor(private readonly nameOf: (whole: W) => RevisionName) {}

  get(planId: string): W | undefined {
    return this.held.get(planId);
  }

  /** Holds `whole` unless the same or a newer revision of its plan is held already. */
  offer(whole: W): void {
    const held = this.held.get(whole.planId);
    if (held === undefined || this.nameOf(whole).revision > this.nameOf(held).revision)
      this.held.set(whole.planId, whole);
  }

  /**
   * The whole revision `change` tells, from the held base (`apply`), and holds it. Throws
   * PlanBaseMissingError when the base held is not the one named or the change does not fit it.
   */
  applyChange(
    change: { planId: string; base: RevisionName },
    name: RevisionName,
    event: PlanBaseMissingError['event'],
    apply: (base: W) => W,
  ): W {
    const held = this.held.get(change.planId);
    // A change seen twice (a redelivery) finds its own revision held: that is its whole already.
    if (held !== undefined && sameRevision(this.nameOf(held), name)) return held;
    const missing = (problem?: string) =>
      new PlanBaseMissingError(
        event,
        change.planId,
        name.revision,
        change.base,
        held && this.nameOf(held),
        problem,
      );
    if (held === undefined) throw missing();
    let whole: W;
    try {
      whole = apply(held);
    } catch (err) {
      if (err instanceof PlanChangeMismatchError) throw missing(err.problem);
      throw err;
    }
    this.offer(whole);
    return whole;
  }
}

const sameRevision = (a: RevisionName, b: RevisionName): boolean =>
  a.revision === b.revision && a.generatedAt === b.generatedAt;

/**
 * The latest whole `plan.generated` and `tasks.generated` seen of each plan, from any event (a
 * finished job's plan is the base of the next job's v2): v1 as received, v2 once applied to the
 * revision it names. Memory: one plan graph and one task graph per plan, which the planner's own
 * memo of its last planning holds too (~26 MB of JSON for a 500k-word blueprint).
 */
export class HeldPlanRevisions {
  private readonly plans = new LatestByPlan<PlanGeneratedV1>((p) => ({
    revision: p.revision,
    generatedAt: p.generatedAt,
  }));
  private readonly taskGraphs = new LatestByPlan<TasksGeneratedV1>((t) => ({
    revision: t.planRevision,
    generatedAt: t.generatedAt,
  }));

  /** Holds a whole plan revision (v1) unless a newer one of its plan is held. */
  plan(whole: PlanGeneratedV1): PlanGeneratedV1 {
    this.plans.offer(whole);
    return whole;
  }

  /** The whole revision a v2 tells; throws PlanBaseMissingError when its base is not held. */
  planChange(change: PlanGeneratedV2): PlanGeneratedV1 {
    return this.plans.applyChange(change, change, 'plan.generated', (base) =>
      wholePlanGenerated(change, base),
    );
  }

  /** Holds a whole task graph (v1) unless a newer revision's of its plan is held. */
  tasks(whole: TasksGeneratedV1): TasksGeneratedV1 {
    this.taskGraphs.offer(whole);
    return whole;
  }

  /** The whole task graph a v2 tells; throws PlanBaseMissingError when its base is not held. */
  tasksChange(change: TasksGeneratedV2): TasksGeneratedV1 {
    return this.taskGraphs.applyChange(
      change,
      { revision: change.planRevision, generatedAt: change.generatedAt },
      'tasks.generated',
      (base) => wholeTasksGenerated(change, base),
    );
  }
}
