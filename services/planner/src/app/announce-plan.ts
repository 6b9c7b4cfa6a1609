import { Inject, Injectable } from '@nestjs/common';
import {
  PlanGeneratedV1,
  PlanRejectedV1,
  TasksGeneratedV1,
  type PlannerAnnouncePlanV1,
} from '@autopilot/contracts';
import { AutopilotError, Clock } from '@autopilot/kernel';
import { OutboxEnvelopes, type EnvelopeRouting } from '@autopilot/runtime';
import { OutboxEnvelopeTooLargeError } from '@autopilot/store';
import { AnnouncedRevisions } from './announced-revisions';
import { planRejection } from './plan-rejection';
import { PlanTooLargeError } from './plan-too-large';
import { PlannerLog, PlanRepository, type StoredPlanHead } from './ports';
import { storedPlanAnnouncement } from './stored-plan-announcement';
import { UnknownPlanRevisionError } from './unknown-plan-revision-error';

/** What announcing a stored plan needs. */
export interface AnnouncePlanDeps {
  readonly plans: PlanRepository;
  readonly clock: Clock;
  readonly envelopes: OutboxEnvelopes;
  readonly log: PlannerLog;
  /** Where the announced revision is kept, so the next planning can tell a change to it. */
  readonly announcedRevisions?: AnnouncedRevisions;
}

/**
 * `announced`: the stored revision went out whole. `rejected`: it is too large to go out whole
 * (a revision that fitted as a change), so `plan.rejected` says so to the job instead.
 */
export type AnnouncePlanResult =
  | { readonly outcome: 'announced'; readonly plan: PlanGeneratedV1; readonly tasks: TasksGeneratedV1 }
  | { readonly outcome: 'rejected'; readonly rejection: PlanRejectedV1 };

/**
 * `cmd.planner.announce_plan`: the plan's current stored revision announced again, whole
 * (`plan.generated` and `tasks.generated` v1, correlated with the command's job), for a consumer
 * handed a revision as a change to one it does not hold. Announcing twice is harmless: consumers
 * take a revision they hold as a repeat. The revision is then the one this process last announced,
 * so the next planning may tell its change to it. Throws UnknownPlanRevisionError (never retried)
 * for a plan not stored for the project, or stored at an older revision than the one asked for.
 */
export async function announcePlan(
  command: PlannerAnnouncePlanV1,
  deps: AnnouncePlanDeps,
): Promise<AnnouncePlanResult> {
  const stored = await deps.plans.load(command.planId);
  // Another project's plan is as good as unknown: its id must not announce it across projects.
  if (!stored || stored.head.projectId !== command.projectId)
    throw new UnknownPlanRevisionError(command.projectId, command.planId, command.revision, undefined);
  if (stored.head.revision < command.revision)
    throw new UnknownPlanRevisionError(
      command.projectId,
      command.planId,
      command.revision,
      stored.head.revision,
    );
  const routing: EnvelopeRouting = {
    projectId: command.projectId,
    ...(command.jobId !== undefined ? { correlationId: command.jobId } : {}),
  };
  const { plan, tasks } = storedPlanAnnouncement(stored);
  const tooMany = PlanTooLargeError.ofCount(plan, tasks);
  if (tooMany) return rejectAnnouncement(stored.head, tooMany, routing, deps);
  try {
    await deps.plans.announce([
      deps.envelopes.build(PlanGeneratedV1, plan, routing),
      deps.envelopes.build(TasksGeneratedV1, tasks, routing),
    ]);
  } catch (err) {
    // A revision told as a change may be larger whole than a message may be: a rejection, not a retry.
    if (err instanceof OutboxEnvelopeTooLargeError)
      return rejectAnnouncement(stored.head, PlanTooLargeError.ofEvent(err), routing, deps);
    throw err;
  }
  deps.announcedRevisions?.remember(plan, tasks);
  deps.log.info('plan announced whole on request', {
    planId: plan.planId,
    revision: plan.revision,
    askedRevision: command.revision,
  });
  return { outcome: 'announced', plan, tasks };
}

/** The stored revision cannot go out whole: recorded and announced as `plan.rejected`, as planning rejects. */
async function rejectAnnouncement(
  head: StoredPlanHead,
  err: AutopilotError,
  routing: EnvelopeRouting,
  deps: AnnouncePlanDeps,
): Promise<AnnouncePlanResult> {
  const rejection = planRejection(head, err, deps.clock.isoNow());
  await deps.plans.commitRejection(rejection, [deps.envelopes.build(PlanRejectedV1, rejection, routing)]);
  deps.log.warn('plan not announced whole on request', {
    planId: head.planId,
    revision: head.revision,
    code: err.code,
  });
  return { outcome: 'rejected', rejection };
}

/** The use case as the bus handler calls it, wired by Nest. */
@Injectable()
export class AnnouncePlanUseCase {
  private readonly deps: AnnouncePlanDeps;

  constructor(
    @Inject(PlanRepository) plans: PlanRepository,
    @Inject(Clock) clock: Clock,
    @Inject(OutboxEnvelopes) envelopes: OutboxEnvelopes,
    @Inject(PlannerLog) log: PlannerLog,
    announcedRevisions: AnnouncedRevisions,
  ) {
    this.deps = { plans, clock, envelopes, log, announcedRevisions };
  }

  execute(command: PlannerAnnouncePlanV1): Promise<AnnouncePlanResult> {
    return announcePlan(command, this.deps);
  }
}
