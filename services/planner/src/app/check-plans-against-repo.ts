import { Inject, Injectable } from '@nestjs/common';
import {
  PlanGeneratedV1,
  TasksGeneratedV1,
  type Envelope,
  type PlanNode,
  type RepoScannedV1,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { repoViewFromScan } from '../domain/repo-check/repo-view';
import { asRulesMadeIt, checkTasksAgainstRepo, rulesFieldsOf } from '../domain/repo-check/task-repo-check';
import { planAnnouncement } from './plan-announcement';
import { PlanRepository, type StoredPlan, type StoredPlanHead, type StoredTask } from './ports';

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
 * consumers de-duplicate an unchanged one by its revision. One transaction per scan.
 */
@Injectable()
export class CheckPlansAgainstRepoUseCase {
  constructor(
    @Inject(PlanRepository) private readonly plans: PlanRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
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
    return outcome;
  }
}

/** The plan's tasks in the order they were announced (dependency order). */
function orderedTasks(plan: StoredPlan): StoredTask[] {
  const order = plan.head.taskOrder ?? [...plan.tasks.keys()].sort();
  return order.flatMap((id) => {
    const task = plan.tasks.get(id);
    return task ? [task] : [];
  });
}

/** The plan's nodes in document order (a node starts before its children), as `plan.generated` lists them. */
function orderedNodes(plan: StoredPlan): PlanNode[] {
  return [...plan.nodes.values()]
    .map((n) => n.node)
    .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
