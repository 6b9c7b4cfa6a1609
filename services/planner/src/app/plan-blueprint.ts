import { Inject, Injectable } from '@nestjs/common';
import {
  planGeneratedChange,
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanRejectedV1,
  tasksGeneratedChange,
  TasksGeneratedV1,
  TasksGeneratedV2,
  type BlueprintIngestedV1,
  type Envelope,
  type IntentionAnchor,
  type PlanNode,
} from '@autopilot/contracts';
import { AutopilotError, Clock, nextTurn } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { OutboxEnvelopeTooLargeError } from '@autopilot/store';
import { SECTION_FACTS_VERSION, type SectionFacts } from '../domain/section-facts/extract-section';
import { BlueprintSupersededError } from '../domain/plan/plan-errors';
import { derivePlanAfterEdit } from '../domain/plan/plan-from-edit';
import type { BlueprintSectionForPlan, PlannedNode } from '../domain/plan/plan-graph';
import { planIdFor } from '../domain/plan/plan-ids';
import { withSourceLines } from '../domain/plan/plan-source-lines';
import { toPlanNodeMessage } from '../domain/plan/plan-node-message';
import { reusedPlanNodeMessage, sameAsPrevious, sameSourcePositions } from '../domain/plan/plan-reuse';
import { tasksFromPlan, type TaskGraph } from '../domain/tasks/task-graph';
import { checkTasksAgainstRepo, rulesFieldsOf } from '../domain/repo-check/task-repo-check';
import {
  AnchorBuilder,
  PlannerLog,
  PlanRefiner,
  PlanRepository,
  RefinementCache,
  RepoViewRepository,
  type StoredPlan,
  type StoredPlanHead,
  type StoredPlanNode,
  type StoredTask,
} from './ports';
import { AnnouncedRevisions, type AnnouncedRevision } from './announced-revisions';
import { planAnnouncement } from './plan-announcement';
import { planRejection } from './plan-rejection';
import { PlanningSecretScans } from './planning-secret-scans';
import { planningView } from '../domain/plan/plan-redaction';
import { lastStoredTaskOf, lastTaskOf, PlanningMemo, type PlanningResults } from './planning-memo';
import { refinePlan, type RefinementReport } from './refine-plan';
import { PlanTooLargeError } from './plan-too-large';

/** Everything planning needs from outside; `planBlueprint` is the whole use case as one function. */
export interface PlanBlueprintDeps {
  readonly plans: PlanRepository;
  /** The project's last repository scan: tasks are checked against it (issue 17). */
  readonly repoViews: RepoViewRepository;
  readonly refinements: RefinementCache;
  readonly anchors: AnchorBuilder;
  readonly refiner: PlanRefiner | null;
  readonly log: PlannerLog;
  readonly clock: Clock;
  readonly envelopes: OutboxEnvelopes;
  readonly maxRefinementCalls: number;
  /**
   * The last planning's results, reused where the next planning of the same plan would build the
   * same (plan-reuse.ts). Absent: every planning builds everything.
   */
  readonly memo?: PlanningMemo;
  /** The planner's own secret scans of the versions it planned (absent: every version scanned whole). */
  readonly secretScans?: PlanningSecretScans;
  /**
   * The revisions this process announced: a new revision over the one last announced is told as a
   * change to it (v2). Absent: every revision is announced whole (v1).
   */
  readonly announcedRevisions?: AnnouncedRevisions;
}

export interface PlanBlueprintResult {
  /**
   * `planned`: a new plan revision was saved and announced. `unchanged`: this blueprint version was
   * already planned (a redelivery or a re-run); the stored plan is announced again (the same
   * revision: consumers de-duplicate by it), nothing else written.
   * `stale`: a newer version of the same blueprint is already planned; `plan.rejected` says so and
   * a warning is logged, nothing else. Other blueprints of the project have plans of their own.
   * `rejected`: the blueprint cannot be planned (a missing dependency, a cycle, events larger than
   * a message may be...); the rejection is recorded and announced with `plan.rejected`, nothing of
   * the plan is written.
   * Every outcome ends in an event correlated with the job, so whoever submitted it gets an answer.
   */
  readonly outcome: 'planned' | 'unchanged' | 'stale' | 'rejected';
  /** The revision whole, however it was announced (whole, or as a change: v2). */
  readonly plan?: PlanGeneratedV1;
  readonly tasks?: TasksGeneratedV1;
  readonly rejection?: PlanRejectedV1;
  readonly refinement: RefinementReport;
}

/** Codes of errors no redelivery can cure: the blueprint itself must change. */
const UNPLANNABLE = new Set([
  'PLANNER_MISSING_DEPENDENCY',
  'PLANNER_DEPENDENCY_CYCLE',
  'PLANNER_INVALID_BLUEPRINT',
  'PLANNER_TASK_GRAPH_LIMIT',
]);

const NO_CALLS: RefinementReport = { calls: 0, cacheHits: 0, failures: 0, skipped: 0 };

/**
 * Plans one ingested blueprint version: load the stored plan, decide (rules, then bounded model
 * refinement), save nodes, tasks and the plan head, and append `plan.generated` and
 * `tasks.generated` to the outbox, all in one transaction. Idempotent by state: a version already
 * planned is `unchanged` (announced again), an older one `stale` (announced as rejected). A new
 * revision over the one this process last announced goes out as a change to it (v2, savePlan).
 * Re-planning reuses the stored facts of every section that is not in `changedSectionIds` and kept
 * its hash, and keeps the ids of unchanged nodes.
 *
 * A blueprint that cannot be planned is an outcome, not an error: `plan.rejected` is announced and
 * the message that brought it is acked (dead letters are for poison messages only).
 */
export async function planBlueprint(
  blueprint: BlueprintIngestedV1,
  deps: PlanBlueprintDeps,
): Promise<PlanBlueprintResult> {
  // The plan of this blueprint: versions are compared within one blueprint only (planIdFor).
  const planId = planIdFor(blueprint.projectId, blueprint.blueprintId);
  const stored = await deps.plans.load(planId);
  const head = stored?.head;
  if (head && head.blueprintVersion > blueprint.version) {
    const superseded = new BlueprintSupersededError(blueprint.version, head.blueprintVersion);
    // Announced (plan.rejected) and logged: a version that arrives late is never dropped unseen.
    deps.log.warn('blueprint version superseded; not planned', {
      planId,
      blueprintId: blueprint.blueprintId,
      blueprintVersion: blueprint.version,
      plannedVersion: head.blueprintVersion,
    });
    return { ...(await rejectBlueprint(blueprint, superseded, deps)), outcome: 'stale' };
  }
  const replay =
    head !== undefined &&
    head.blueprintVersion === blueprint.version &&
    head.blueprintDigest === blueprint.digest;

  let decided: DecidedPlan;
  try {
    decided = await decidePlan(blueprint, planId, stored, replay, deps);
  } catch (err) {
    if (err instanceof AutopilotError && UNPLANNABLE.has(err.code))
      return rejectBlueprint(blueprint, err, deps);
    throw err;
  }
  const { plan, tasks, refinement } = decided;
  // Events no consumer would take are a rejection, announced: otherwise nobody ever hears of them.
  // More nodes or tasks than their contract allows: building the events would throw.
  const tooMany = PlanTooLargeError.ofCount(plan, tasks);
  if (tooMany) return rejectBlueprint(blueprint, tooMany, deps);
  await nextTurn();
  try {
    // A replay announces the stored revision again, whole: consumers take it as a repeat.
    if (replay) await deps.plans.announce(planEvents(blueprint, decided, undefined, deps));
    else await savePlan(blueprint, decided, stored, deps);
  } catch (err) {
    // Past AUTOPILOT_MAX_MESSAGE_BYTES: the outbox refused it, and nothing of the plan was stored.
    if (err instanceof OutboxEnvelopeTooLargeError)
      return rejectBlueprint(blueprint, PlanTooLargeError.ofEvent(err), deps);
    throw err;
  }
  deps.announcedRevisions?.remember(plan, tasks);
  return { outcome: replay ? 'unchanged' : 'planned', plan, tasks, refinement };
}

/** A plan as decided, before it is saved: the two payloads and what the store keeps beside them. */
interface DecidedPlan {
  readonly plan: PlanGeneratedV1;
  readonly tasks: TasksGeneratedV1;
  readonly storedNodes: readonly StoredPlanNode[];
  /** Stored nodes that are a stored node of the last planning moved (PlanRepository.commit). */
  readonly movedNodes: ReadonlyMap<StoredPlanNode, StoredPlanNode>;
  readonly storedTasks: readonly StoredTask[];
  /** The commit of the repository scan the tasks were checked against, when there was one. */
  readonly repoCommit?: string;
  readonly refinement: RefinementReport;
}

/**
 * Steps 1-3: the rules' plan graph (reusing stored facts), bounded model refinement, the task graph
 * and the anchor. A replay re-derives the stored plan: cached answers only, the stored revision,
 * anchor and time. Throws the planning errors of the domain on a blueprint that cannot be planned.
 */
async function decidePlan(
  blueprint: BlueprintIngestedV1,
  planId: string,
  stored: StoredPlan | null,
  replay: boolean,
  deps: PlanBlueprintDeps,
): Promise<DecidedPlan> {
  const head = replay ? stored?.head : undefined;
  // Secrets in the blueprint never reach titles, facts, the anchor or a prompt (plan-redaction.ts).
  const view = deps.secretScans?.viewOf(blueprint) ?? planningView(blueprint);
  const last = deps.memo?.of(planId);
  // An edit that leaves the rules' global inputs alone re-builds only the nodes its text feeds.
  const derivation = derivePlanAfterEdit(view.blueprint, last?.derivation, {
    reuseFacts: storedFacts(blueprint, stored, replay),
  });
  const graph = derivation.graph;
  // Planning a large blueprint is seconds of synchronous work: a turn of the event loop between its
  // phases keeps the process answering (a SIGINT, a health probe) within a fraction of a second.
  await nextTurn();
  const { plan: refinedView, report } = await refinePlan(graph, {
    refiner: deps.refiner,
    cache: deps.refinements,
    maxCalls: replay ? 0 : deps.maxRefinementCalls,
    text: view.blueprint.text,
    log: deps.log,
    projectId: blueprint.projectId,
    planningId: `plan-${blueprint.blueprintId}-v${blueprint.version}`,
  });
  const restored = view.restoreGraph(refinedView);
  const refined = withSourceLines(
    restored,
    blueprint,
    last && { given: last.unlined, lined: last.nodes, blueprint: last.blueprint },
  );
  // Each node's index in the last planning of this plan (-1: new), and whether the node came out the
  // same there, apart from positions (plan-reuse.ts).
  const before = last ? indexIn(last, refined.nodes) : undefined;
  const same = last && before ? sameAsPrevious(refined.nodes, (i) => last.nodes[before[i]!]) : undefined;
  const taskGraph = tasksFromPlan(
    refined,
    last &&
      same && {
        nodeOf: (id) => last.nodes[last.nodeIndex.get(id) ?? -1],
        taskOf: (id) => lastTaskOf(last, id),
        same,
        nodes: last.nodes,
        graph: last.taskGraph,
      },
  );
  await nextTurn();
  // With a scanned repository, scope and validation are checked against it; the rules' fields are
  // kept beside a task the check changed, so a re-plan can tell whether they changed. A task the
  // stored plan announced checked keeps its check while its rules' fields stay the same: a scan
  // since then must not change (and so reset) work already done.
  const repo = await deps.repoViews.current(blueprint.projectId);
  const checked = repo
    ? checkTasksAgainstRepo(taskGraph.tasks, repo, new Map(stored?.tasks ?? []))
    : taskGraph.tasks;
  const anchor: IntentionAnchor = head
    ? head.anchor
    : view.restoreAnchor(await deps.anchors.anchorFor(view.blueprint));
  const revision = head ? head.revision : (stored?.head.revision ?? 0) + 1;
  const generatedAt = head ? head.generatedAt : deps.clock.isoNow();

  // 1 where the message is the last planning's or a copy of it with the node's positions.
  const messageReused = new Uint8Array(refined.nodes.length);
  const nodes = refined.nodes.map((n, i) => {
    const taskIds = taskGraph.taskIdsByNode.get(n.id);
    const earlier = same?.[i] === 1 ? last?.messages[before![i]!] : undefined;
    const reused = earlier && reusedPlanNodeMessage(n, taskIds, earlier);
    if (!reused) return toPlanNodeMessage(n, taskIds);
    messageReused[i] = 1;
    return reused;
  });
  const { plan, tasks } = planAnnouncement(
    {
      planId,
      projectId: blueprint.projectId,
      blueprintId: blueprint.blueprintId,
      blueprintVersion: blueprint.version,
      revision,
      anchor,
      generatedAt,
    },
    nodes,
    checked,
  );
  const movedNodes = new Map<StoredPlanNode, StoredPlanNode>();
  const storedNodes = refined.nodes.map((n, i): StoredPlanNode => {
    const at = last && same?.[i] === 1 ? before![i]! : -1;
    const reused = at >= 0 ? reusedStoredNode(n, nodes[i]!, last!, at) : undefined;
    if (reused) return reused;
    const stored = { node: nodes[i]!, sources: n.sources, factsVersion: SECTION_FACTS_VERSION };
    const earlier = at >= 0 && messageReused[i] === 1 ? movedFrom(last!, at) : undefined;
    if (earlier) movedNodes.set(stored, earlier);
    return stored;
  });
  const storedTasks = checked.map((task, i): StoredTask => {
    const rulesTask = taskGraph.tasks[i]!;
    // Unchecked (no repository scan): the task is the rules' own, stored as `{ task }`.
    if (task === rulesTask) {
      const stored = last && lastStoredTaskOf(last, task.id);
      // The same task object was the rules' task last time, stored unchecked: `{ task }`.
      return stored?.task === task ? stored : { task };
    }
    const rules = rulesFieldsOf(rulesTask, task);
    return rules ? { task, rules } : { task };
  });
  deps.memo?.remember(
    planningResults({
      planId,
      derivation,
      unlined: restored.nodes,
      blueprint: { text: blueprint.text, files: blueprint.files },
      nodeIndex: sameOrder(before, last) ? last.nodeIndex : undefined,
      nodes: refined.nodes,
      taskGraph,
      messages: nodes,
      storedNodes,
      storedTasks,
      taskIndex: sameTaskOrder(taskGraph, last) ? last.taskIndex : undefined,
    }),
  );
  return {
    plan,
    tasks,
    storedNodes,
    movedNodes,
    storedTasks,
    ...(repo ? { repoCommit: repo.commit } : {}),
    refinement: report,
  };
}

/** Each node's index among the last planning's nodes, -1 for a node it did not have. */
function indexIn(last: PlanningResults, nodes: readonly PlannedNode[]): Int32Array {
  const index = new Int32Array(nodes.length);
  nodes.forEach((n, i) => (index[i] = last.nodeIndex.get(n.id) ?? -1));
  return index;
}

/** True when the nodes are the last planning's, id for id in the same order (`before` from `indexIn`). */
function sameOrder(
  before: Int32Array | undefined,
  last: PlanningResults | undefined,
): last is PlanningResults {
  if (!before || !last || before.length !== last.nodes.length) return false;
  for (let i = 0; i < before.length; i++) if (before[i] !== i) return false;
  return true;
}

/**
 * The last planning's stored form of `node` (its index there `at`), when its message is the last
 * one (the node the same apart from positions, and the positions the same too) and so are its
 * sources' positions.
 */
function reusedStoredNode(
  node: PlannedNode,
  message: PlanNode,
  last: PlanningResults,
  at: number,
): StoredPlanNode | undefined {
  const stored = last.storedNodes[at]!;
  const beforeNode = last.nodes[at]!;
  if (last.messages[at] !== message || stored.node !== message) return undefined;
  return stored.sources === beforeNode.sources && sameSourcePositions(node, beforeNode) ? stored : undefined;
}

/**
 * The last planning's stored form of its node at `at`, when a node the same apart from positions
 * (`sameAsPrevious`), whose message is that node's message reused (`reusedPlanNodeMessage`), is
 * stored as it: the stored form made of that message and node, by the same rules. The two are then
 * the same apart from positions, which tells the repository so (PlanRepository.commit).
 */
function movedFrom(last: PlanningResults, at: number): StoredPlanNode | undefined {
  const earlier = last.storedNodes[at]!;
  return earlier.node === last.messages[at] &&
    earlier.sources === last.nodes[at]!.sources &&
    earlier.factsVersion === SECTION_FACTS_VERSION
    ? earlier
    : undefined;
}

/** What a planning built, before it is remembered: the indexes when they are the last one's. */
interface PlanningBuilt extends Omit<PlanningResults, 'nodeIndex' | 'taskIndex'> {
  readonly nodeIndex: PlanningResults['nodeIndex'] | undefined;
  readonly taskIndex: PlanningResults['taskIndex'] | undefined;
}

function planningResults({
  nodeIndex,
  nodes,
  taskIndex,
  taskGraph,
  ...kept
}: PlanningBuilt): PlanningResults {
  return {
    ...kept,
    nodes,
    taskGraph,
    nodeIndex: nodeIndex ?? new Map(nodes.map((n, i) => [n.id, i] as const)),
    taskIndex: taskIndex ?? new Map(taskGraph.tasks.map((t, i) => [t.id, i] as const)),
  };
}

/** True when the task graph lists the last planning's task ids in the same order. */
function sameTaskOrder(graph: TaskGraph, last: PlanningResults | undefined): last is PlanningResults {
  const before = last?.taskGraph.tasks;
  if (before === undefined || before.length !== graph.tasks.length) return false;
  for (let i = 0; i < before.length; i++) if (before[i]!.id !== graph.tasks[i]!.id) return false;
  return true;
}

/**
 * Step 4: nodes, tasks, the head and both events, in one transaction over `stored`. The events tell
 * the revision as a change to the stored head when that is the revision this process last announced
 * (so consumers that were listening hold it), else whole.
 */
async function savePlan(
  blueprint: BlueprintIngestedV1,
  decided: DecidedPlan,
  stored: StoredPlan | null,
  deps: PlanBlueprintDeps,
): Promise<void> {
  const { plan, tasks, refinement } = decided;
  const base = deps.announcedRevisions?.baseFor(stored?.head);
  const head: StoredPlanHead = {
    planId: plan.planId,
    projectId: blueprint.projectId,
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    blueprintDigest: blueprint.digest,
    revision: plan.revision,
    generatedAt: plan.generatedAt,
    anchor: plan.anchor,
    nodeCount: plan.nodes.length,
    taskCount: tasks.tasks.length,
    taskOrder: tasks.tasks.map((t) => t.id),
    ...(decided.repoCommit !== undefined ? { repoCommit: decided.repoCommit } : {}),
  };
  await deps.plans.commit(
    { head, nodes: decided.storedNodes, tasks: decided.storedTasks, movedNodes: decided.movedNodes },
    stored,
    planEvents(blueprint, decided, base, deps),
  );
  deps.log.info('plan generated', {
    planId: plan.planId,
    revision: plan.revision,
    ...(base ? { announcedAsChangeTo: base.plan.revision } : {}),
    blueprintVersion: blueprint.version,
    nodes: plan.nodes.length,
    tasks: tasks.tasks.length,
    refinementCalls: refinement.calls,
    refinementCacheHits: refinement.cacheHits,
  });
}

/** `plan.generated` and `tasks.generated` of a decided plan: whole (v1), or as a change to `base` (v2). */
function planEvents(
  blueprint: BlueprintIngestedV1,
  decided: DecidedPlan,
  base: AnnouncedRevision | undefined,
  deps: PlanBlueprintDeps,
): Envelope[] {
  const routing = { projectId: blueprint.projectId };
  if (base)
    return [
      deps.envelopes.build(PlanGeneratedV2, planGeneratedChange(base.plan, decided.plan), routing),
      deps.envelopes.build(TasksGeneratedV2, tasksGeneratedChange(base.tasks, decided.tasks), routing),
    ];
  return [
    deps.envelopes.build(PlanGeneratedV1, decided.plan, routing),
    deps.envelopes.build(TasksGeneratedV1, decided.tasks, routing),
  ];
}

/** A blueprint that cannot be planned: the rejection is recorded and announced; the plan is untouched. */
async function rejectBlueprint(
  blueprint: BlueprintIngestedV1,
  err: AutopilotError,
  deps: PlanBlueprintDeps,
): Promise<PlanBlueprintResult> {
  const rejection = planRejection(
    {
      projectId: blueprint.projectId,
      blueprintId: blueprint.blueprintId,
      blueprintVersion: blueprint.version,
    },
    err,
    deps.clock.isoNow(),
  );
  await deps.plans.commitRejection(rejection, [
    deps.envelopes.build(PlanRejectedV1, rejection, { projectId: blueprint.projectId }),
  ]);
  deps.log.info('blueprint rejected', {
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    code: err.code,
  });
  return { outcome: 'rejected', rejection, refinement: NO_CALLS };
}

/**
 * Facts stored with the previous plan, by section id, usable while the section kept its hash,
 * ingestion did not list it as changed (on a replay every stored fact is current), and the same
 * extraction rules produced them (SECTION_FACTS_VERSION).
 */
function storedFacts(
  blueprint: BlueprintIngestedV1,
  stored: StoredPlan | null,
  replay: boolean,
): ((section: BlueprintSectionForPlan) => SectionFacts | undefined) | undefined {
  if (!stored) return undefined;
  // Built on the first section not known to have changed: a re-plan derived from the last planning
  // asks only for the sections that changed (plan-from-edit.ts), and never needs it.
  let byId: Map<string, { hash: string; facts: SectionFacts }> | undefined;
  const storedSources = () => {
    byId = new Map();
    for (const node of stored.nodes.values()) {
      if (node.factsVersion !== SECTION_FACTS_VERSION) continue;
      for (const s of node.sources) byId.set(s.sectionId, s);
    }
    return byId;
  };
  const changed = replay ? new Set<string>() : new Set(blueprint.changedSectionIds);
  return (section) => {
    if (changed.has(section.id)) return undefined;
    const source = (byId ?? storedSources()).get(section.id);
    return source && source.hash === section.hash ? source.facts : undefined;
  };
}

/** Injection token: the per-planning cap on model calls. */
export const PLANNER_MAX_REFINEMENT_CALLS = Symbol('PLANNER_MAX_REFINEMENT_CALLS');

/** The use case as the bus handler calls it, wired by Nest. */
@Injectable()
export class PlanBlueprintUseCase {
  private readonly deps: PlanBlueprintDeps;

  constructor(
    @Inject(PlanRepository) plans: PlanRepository,
    @Inject(RepoViewRepository) repoViews: RepoViewRepository,
    @Inject(RefinementCache) refinements: RefinementCache,
    @Inject(AnchorBuilder) anchors: AnchorBuilder,
    @Inject(PlanRefiner) refiner: PlanRefiner | null,
    @Inject(PlannerLog) log: PlannerLog,
    @Inject(Clock) clock: Clock,
    @Inject(OutboxEnvelopes) envelopes: OutboxEnvelopes,
    @Inject(PLANNER_MAX_REFINEMENT_CALLS) maxRefinementCalls: number,
    secretScans: PlanningSecretScans,
    announcedRevisions: AnnouncedRevisions,
  ) {
    this.deps = {
      plans,
      repoViews,
      refinements,
      anchors,
      refiner,
      log,
      clock,
      envelopes,
      maxRefinementCalls,
      memo: new PlanningMemo(),
      secretScans,
      announcedRevisions,
    };
  }

  /** Plans the blueprint; a rejection is an outcome (announced), so the message is acked either way. */
  execute(blueprint: BlueprintIngestedV1): Promise<PlanBlueprintResult> {
    return planBlueprint(blueprint, this.deps);
  }
}
