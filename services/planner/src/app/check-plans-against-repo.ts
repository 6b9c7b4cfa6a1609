import { Inject, Injectable } from '@nestjs/common';
import { PlanGeneratedV1, TasksGeneratedV1, type Envelope, type RepoScannedV1 } from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { repoViewFromScan } from '../domain/repo-check/repo-view';
import { asRulesMadeIt, checkTasksAgainstRepo, rulesFieldsOf } from '../domain/repo-check/task-repo-check';
import { AnnouncedRevisions, type AnnouncedRevision } from './announced-revisions';
import { planAnnouncement } from './plan-announcement';
import { PlanRepository, type StoredPlan, type StoredPlanHead, type StoredTask } from './ports';
import { orderedNodes, orderedTasks } from './stored-plan-announcement';

/** What one `repo.scanned` did to the project's plans. */
export interface PlansCheckedOutcome {
  /** Plan ids whose tasks the scan changed: each has a new revision. */
  readonly revised: readonly string[];
  /** Plan ids the scan left as they were: each was announced again at its stored revision. */
  readonly unchanged: readonly string[];
}

/**
 * A repository scan checks the project's plans (issue 17): the scan becomes the project's
 * repository view (plans made later are checked against it when they are made), and each stored
 * task never checked (planned before any scan) is checked against it. A task already announced
 * checked keeps its scope and validation: `autopilot start` scans on every start, and a new npm
 * script or folder (merged work brings them) must not change, and so reset, tasks already done.
 * A plan whose tasks changed gets a new revision; every plan of the project is announced (`plan.generated`, `tasks.generated`,
 * correlated with the scan job), so whoever asked for the scan sees the plans as checked, and
 * consumers de-duplicate an unchanged one by its revision. One transaction per scan. Once it is
 * committed, what was announced is each plan's last announced revision (AnnouncedRevisions), which
 * the next planning may tell a change to.
 */
@Injectable()
export class CheckPlansAgainstRepoUseCase {
  constructor(
    @Inject(PlanRepository) private readonly plans: PlanRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    /** Where the revisions announced here are kept, so the next planning can tell a change to them. */
    private readonly announcedRevisions?: AnnouncedRevisions,
  ) {}

  /** Rejects only on store failures (StoreRevisionConflictError: a plan changed meanwhile; redelivered). */
  async execute(scanned: RepoScannedV1): Promise<PlansCheckedOutcome> {
    const view = repoViewFromScan(scanned);
    const stored = await this.plans.loadProject(scanned.projectId);
    const routing = { projectId: scanned.projectId, correlationId: scanned.jobId };
    const events: Envelope[] = [];
    const revised: { next: Parameters<PlanRepository['commit']>[0]; previous: StoredPlan }[] = [];
    const outcome: { revised: string[]; unchanged: string[] } = { revised: [], unchanged: [] };
    const now = this.clock.isoNow();
    const announcedWhole: AnnouncedRevision[] = [];
    for (const plan of stored) {
      const before = orderedTasks(plan);
      // Tasks announced checked keep their check (their rules' fields are the stored ones, unchanged):
      // only tasks planned before any scan are checked by this one.
      const checked = checkTasksAgainstRepo(
        before.map((t) => asRulesMadeIt(t.task, t.rules)),
        view,
        new Map(before.map((t) => [t.task.id, t])),
      );
      const changed = checked.some((task, i) => JSON.stringify(task) !== JSON.stringify(before[i]!.task));
      const head: StoredPlanHead = changed
        ? { ...plan.head, revision: plan.head.revision + 1, generatedAt: now, repoCommit: view.commit }
        : plan.head;
      const announced = planAnnouncement(
        head,
        orderedNodes(plan),
        changed ? checked : before.map((t) => t.task),
      );
      events.push(
        this.envelopes.build(PlanGeneratedV1, announced.plan, routing),
        this.envelopes.build(TasksGeneratedV1, announced.tasks, routing),
      );
      announcedWhole.push(announced);
      if (!changed) {
        outcome.unchanged.push(plan.head.planId);
        continue;
      }
      outcome.revised.push(plan.head.planId);
      revised.push({
        previous: plan,
        next: {
          head: { ...head, taskOrder: checked.map((t) => t.id) },
          nodes: [...plan.nodes.values()],
          tasks: checked.map((task, i): StoredTask => {
            const rules = rulesFieldsOf(asRulesMadeIt(before[i]!.task, before[i]!.rules), task);
            return rules ? { task, rules } : { task };
          }),
        },
      });
    }
    await this.plans.commitRepoCheck(scanned.projectId, view, revised, events);
    for (const { plan, tasks } of announcedWhole) this.announcedRevisions?.remember(plan, tasks);
    return outcome;
  }
}
