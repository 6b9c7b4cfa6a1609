import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  buildEnvelope,
  PlanGeneratedV1,
  PlanRejectedV1,
  TasksGeneratedV1,
  type BlueprintIngestedV1,
  type Envelope,
} from '@autopilot/contracts';
import { AutopilotError, Clock, IdSource, NonRetryableError } from '@autopilot/kernel';
import { commitWithOutbox, DocumentStore } from '@autopilot/store';
import { SECTION_FACTS_VERSION, type SectionFacts } from '../domain/extract-section';
import { planFromSections } from '../domain/plan-from-sections';
import type { BlueprintSectionForPlan } from '../domain/plan-graph';
import { planIdFor } from '../domain/plan-ids';
import { toPlanNodeMessage } from '../domain/plan-node-message';
import { tasksFromPlan } from '../domain/task-graph';
import {
  AnchorBuilder,
  PlannerLog,
  PlanRefiner,
  PlanRepository,
  type StoredPlan,
  type StoredPlanHead,
  type StoredPlanNode,
  type StoredTask,
} from './ports';
import { refinePlan, type RefinementReport } from './refine-plan';

/** Everything planning needs from outside; `planBlueprint` is the whole use case as one function. */
export interface PlanBlueprintDeps {
  readonly repository: PlanRepository;
  readonly anchors: AnchorBuilder;
  readonly refiner: PlanRefiner | null;
  readonly log: PlannerLog;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly maxRefinementCalls: number;
}

/** Ids the events carry to tie them to what caused them. */
export interface PlanContext {
  readonly correlationId?: string;
  readonly causationId?: string;
}

export interface PlanBlueprintResult {
  /**
   * `planned`: a new plan revision was saved and announced. `unchanged`: this blueprint version was
   * already planned (a redelivery or a re-run); the payloads are the stored plan's, nothing written.
   * `stale`: a newer blueprint version is already planned; nothing written, no payloads.
   */
  readonly outcome: 'planned' | 'unchanged' | 'stale';
  readonly plan?: PlanGeneratedV1;
  readonly tasks?: TasksGeneratedV1;
  readonly refinement: RefinementReport;
}

/**
 * Plans one ingested blueprint version: load the stored plan, decide (rules, then bounded model
 * refinement), save nodes, tasks and the plan head, and append `plan.generated` and
 * `tasks.generated` to the outbox, all in one transaction. Idempotent by state: a version already
 * planned is `unchanged`, an older one `stale`. Re-planning reuses the stored facts of every
 * section that is not in `changedSectionIds` and kept its hash, and keeps the ids of unchanged nodes.
 *
 * Throws MissingDependencyError, DependencyCycleError, PlanInputError or TaskGraphLimitError on a
 * blueprint that cannot be planned; nothing is written then.
 */
export async function planBlueprint(
  blueprint: BlueprintIngestedV1,
  deps: PlanBlueprintDeps,
  context: PlanContext = {},
): Promise<PlanBlueprintResult> {
  const planId = planIdFor(blueprint.projectId);
  const stored = await deps.repository.load(planId);
  const head = stored?.head;
  const noCalls = { calls: 0, cacheHits: 0, failures: 0, skipped: 0 };
  if (head && head.blueprintVersion > blueprint.version) {
    deps.log.info('blueprint version already superseded; not planned', {
      planId,
      blueprintVersion: blueprint.version,
      plannedVersion: head.blueprintVersion,
    });
    return { outcome: 'stale', refinement: noCalls };
  }
  const replay =
    head !== undefined &&
    head.blueprintVersion === blueprint.version &&
    head.blueprintDigest === blueprint.digest;

  const graph = planFromSections(blueprint, { reuseFacts: storedFacts(blueprint, stored, replay) });
  const { plan, report } = await refinePlan(graph, {
    refiner: deps.refiner,
    cache: deps.repository,
    // A replay re-derives the stored plan: cached answers only, no new calls.
    maxCalls: replay ? 0 : deps.maxRefinementCalls,
    text: blueprint.text,
    log: deps.log,
  });
  const taskGraph = tasksFromPlan(plan);
  const anchor = replay && head ? head.anchor : await deps.anchors.anchorFor(blueprint);
  const revision = replay && head ? head.revision : (head?.revision ?? 0) + 1;
  const generatedAt = replay && head ? head.generatedAt : deps.clock.isoNow();

  const nodes = plan.nodes.map((n) => toPlanNodeMessage(n, taskGraph.taskIdsByNode.get(n.id)));
  const planPayload: PlanGeneratedV1 = {
    planId,
    projectId: blueprint.projectId,
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    nodes,
    anchor,
    generatedAt,
    revision,
  };
  const tasksPayload: TasksGeneratedV1 = {
    projectId: blueprint.projectId,
    planId,
    planRevision: revision,
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    anchorId: anchor.id,
    tasks: [...taskGraph.tasks],
    generatedAt,
  };
  if (replay) return { outcome: 'unchanged', plan: planPayload, tasks: tasksPayload, refinement: report };

  const fields = {
    time: generatedAt,
    source: 'planner',
    projectId: blueprint.projectId,
    ...(context.correlationId !== undefined ? { correlationId: context.correlationId } : {}),
    ...(context.causationId !== undefined ? { causationId: context.causationId } : {}),
  };
  const events: Envelope[] = [
    buildEnvelope(PlanGeneratedV1, planPayload, { ...fields, id: deps.ids.next() }),
    buildEnvelope(TasksGeneratedV1, tasksPayload, { ...fields, id: deps.ids.next() }),
  ];
  const nextHead: StoredPlanHead = {
    planId,
    projectId: blueprint.projectId,
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    blueprintDigest: blueprint.digest,
    revision,
    generatedAt,
    anchor,
    nodeCount: nodes.length,
    taskCount: tasksPayload.tasks.length,
  };
  const storedNodes: StoredPlanNode[] = plan.nodes.map((n, i) => ({
    node: nodes[i]!,
    sources: n.sources,
    factsVersion: SECTION_FACTS_VERSION,
  }));
  const storedTasks: StoredTask[] = tasksPayload.tasks.map((task) => ({ task }));
  await deps.repository.commit({ head: nextHead, nodes: storedNodes, tasks: storedTasks }, stored, events);
  deps.log.info('plan generated', {
    planId,
    revision,
    blueprintVersion: blueprint.version,
    nodes: nodes.length,
    tasks: tasksPayload.tasks.length,
    refinementCalls: report.calls,
    refinementCacheHits: report.cacheHits,
  });
  return { outcome: 'planned', plan: planPayload, tasks: tasksPayload, refinement: report };
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
  const byId = new Map<string, { hash: string; facts: SectionFacts }>();
  for (const node of stored.nodes.values()) {
    if (node.factsVersion !== SECTION_FACTS_VERSION) continue;
    for (const s of node.sources) byId.set(s.sectionId, s);
  }
  const changed = replay ? new Set<string>() : new Set(blueprint.changedSectionIds);
  return (section) => {
    if (changed.has(section.id)) return undefined;
    const source = byId.get(section.id);
    return source && source.hash === section.hash ? source.facts : undefined;
  };
}

/** Injection token: the per-planning cap on model calls. */
export const PLANNER_MAX_REFINEMENT_CALLS = Symbol('PLANNER_MAX_REFINEMENT_CALLS');

/** Codes of errors a redelivery cannot cure: the blueprint itself must change. */
const PLANNING_ERRORS = new Set([
  'PLANNER_MISSING_DEPENDENCY',
  'PLANNER_DEPENDENCY_CYCLE',
  'PLANNER_INVALID_BLUEPRINT',
  'PLANNER_TASK_GRAPH_LIMIT',
]);

/** The use case as the bus handler calls it, wired by Nest. */
@Injectable()
export class PlanBlueprintUseCase {
  private readonly deps: PlanBlueprintDeps;

  constructor(
    @Inject(PlanRepository) repository: PlanRepository,
    @Inject(AnchorBuilder) anchors: AnchorBuilder,
    @Inject(PlanRefiner) refiner: PlanRefiner | null,
    @Inject(PlannerLog) log: PlannerLog,
    @Inject(Clock) clock: Clock,
    @Inject(IdSource) ids: IdSource,
    @Inject(PLANNER_MAX_REFINEMENT_CALLS) maxRefinementCalls: number,
    // Where `plan.rejected` goes out (through the outbox); without a store nothing is announced.
    @Optional() @Inject(DocumentStore) private readonly store?: DocumentStore,
  ) {
    this.deps = { repository, anchors, refiner, log, clock, ids, maxRefinementCalls };
  }

  /**
   * Plans the blueprint. A blueprint that cannot be planned (a missing dependency, a cycle) is
   * announced with `plan.rejected` (so whoever submitted it learns why without reading dead
   * letters), then fails with NonRetryableError carrying the planning error as `cause`, so the bus
   * dead-letters it at once instead of retrying what cannot change.
   */
  async execute(blueprint: BlueprintIngestedV1, context: PlanContext = {}): Promise<PlanBlueprintResult> {
    try {
      return await planBlueprint(blueprint, this.deps, context);
    } catch (err) {
      if (err instanceof AutopilotError && PLANNING_ERRORS.has(err.code)) {
        await this.announceRejection(blueprint, err, context);
        throw new NonRetryableError(
          `blueprint ${blueprint.blueprintId} v${blueprint.version}: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  private async announceRejection(
    blueprint: BlueprintIngestedV1,
    err: AutopilotError,
    context: PlanContext,
  ): Promise<void> {
    const store = this.store;
    if (!store) return;
    const { clock, ids } = this.deps;
    const rejectedAt = clock.isoNow();
    const envelope = buildEnvelope(
      PlanRejectedV1,
      {
        projectId: blueprint.projectId,
        blueprintId: blueprint.blueprintId,
        blueprintVersion: blueprint.version,
        error: { code: err.code, message: err.message.slice(0, 2000) },
        rejectedAt,
      },
      {
        id: ids.next(),
        time: rejectedAt,
        source: 'planner',
        projectId: blueprint.projectId,
        ...(context.correlationId !== undefined ? { correlationId: context.correlationId } : {}),
        ...(context.causationId !== undefined ? { causationId: context.causationId } : {}),
      },
    );
    await commitWithOutbox(store, async () => ({ result: undefined, events: [envelope] }), clock);
  }
}
