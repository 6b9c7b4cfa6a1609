/**
 * @autopilot/planner: The plan graph: plan nodes, intention anchors, task specs, gap reports and plan proposals.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service planner`.
 *
 *   import { plannerService } from '@autopilot/planner';
 *   await startServiceHost({ definition: plannerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { BlueprintIngestedV1 } from '@autopilot/contracts';
import { systemClock, ulidSource, type Clock, type IdSource } from '@autopilot/kernel';
import type { ServiceDefinition } from '@autopilot/runtime';
import { declareOutbox, type DocumentStore } from '@autopilot/store';
import { OpenAiPlanRefiner, plannerRefinementSettings } from './adapters/openai-plan-refiner';
import { PLAN_COLLECTIONS, StorePlanRepository } from './adapters/plan-repository';
import { blueprintAnchorBuilder } from './app/plan-anchor-builder';
import {
  planBlueprint as planBlueprintUseCase,
  type PlanBlueprintResult,
  type PlanContext,
} from './app/plan-blueprint';
import type { AnchorBuilder, PlannerLog, PlanRefiner } from './app/ports';
import { DEFAULT_MAX_REFINEMENT_CALLS } from './app/refine-plan';
import { PlannerModule } from './planner.module';

export { PlannerModule };

/** What the runtime needs to host the planner service. */
export const plannerService: ServiceDefinition = {
  name: 'planner',
  module: PlannerModule,
  collections: [
    // plans, plan_nodes, task_specs, plan_refinements
    ...PLAN_COLLECTIONS,
    // latestAnchor() reads the newest anchor of a project.
    { name: 'anchors', indexes: [{ fields: { projectId: 1, recordedAt: -1 } }] },
    { name: 'gap_reports', indexes: [{ fields: { projectId: 1 } }] },
    { name: 'plan_proposals', indexes: [{ fields: { projectId: 1 } }] },
  ],
};

// Pure planning functions, for the CLI and tests: the same code the planner's use cases run.
export {
  anchorFromBlueprint,
  AnchorInputError,
  AnchorSectionRangeError,
  ANCHOR_FORMAT_VERSION,
  type AnchorSection,
  type BlueprintForAnchor,
  type IntentionAnchorV2,
  type ProjectIntentInputs,
} from './domain/anchor';
export { ANCHOR_TEXT_MAX_BYTES } from './domain/anchor-text';
export { recordAnchor, latestAnchor, type AnchorRecord } from './app/anchor-records';

// The gap scanner and the plan proposer (issue 3 items 8 and 9): pure over a repository snapshot,
// which GitRepoSnapshotReader reads from a local repository, read-only.
//
//   const report = scanGaps(await new GitRepoSnapshotReader().read('/path/to/repo'));
//   const proposal = proposePlan(anchor, report); // undefined when no gap calls for an action
export {
  scanGaps,
  GAP_REPORT_FORMAT_VERSION,
  type GapScanOptions,
  type RepoGapReport,
} from './domain/gap-report';
export type { RepoSnapshot, RepoSnapshotFile, SnapshotToolchain } from './domain/gap-snapshot';
export {
  proposePlan,
  protectedGlobsOf,
  ProposalBoundError,
  DEFAULT_MAX_ACTIONS,
  type ProposeOptions,
  type RepoPlanProposal,
} from './domain/proposal';
export {
  NEVER_AUTO_APPROVE,
  AUTO_APPROVABLE_KINDS,
  AUTO_APPROVE_MAX_RISK,
  classifyAction,
} from './domain/proposal-policy';
export { GitRepoSnapshotReader } from './adapters/repo-files-git-reader';
export { RepoReadError, type RepoSnapshotReader } from './app/gap-repo-reader';

// The plan graph and task graph (issue 3 items 4 and 6).
export { planFromSections, type PlanFromSectionsOptions } from './domain/plan-from-sections';
export type { BlueprintForPlan, PlanGraph, PlannedNode } from './domain/plan-graph';
export { tasksFromPlan, validationOf, type TaskGraph } from './domain/task-graph';
export { toPlanNodeMessage } from './domain/plan-node-message';
export { MissingDependencyError, PlanInputError, type MissingDependency } from './domain/plan-errors';
export { DependencyCycleError, TaskGraphLimitError, type CycleMember } from './domain/task-errors';
export { ESTIMATE_MODEL } from './domain/task-estimate';
export {
  OpenAiPlanRefiner,
  PlanRefinerError,
  plannerRefinementSettings,
} from './adapters/openai-plan-refiner';
export type { PlanBlueprintResult, PlanContext } from './app/plan-blueprint';
export type { AnchorBuilder, PlannerLog, PlanRefiner } from './app/ports';

/** What `planBlueprint` needs when called in-process (the CLI); only `store` is required. */
export interface PlanBlueprintOptions {
  /** The planner's store; its plan collections and the outbox are declared here if missing. */
  readonly store: DocumentStore;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** Default: from `env` (AUTOPILOT_PLANNER_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY); null: no model. */
  readonly refiner?: PlanRefiner | null;
  /** Default: AUTOPILOT_PLANNER_MAX_LLM_CALLS from `env`, else 20. */
  readonly maxRefinementCalls?: number;
  /** Default: the anchor quoted from the blueprint alone. */
  readonly anchors?: AnchorBuilder;
  /** Default: silent. */
  readonly log?: PlannerLog;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly context?: PlanContext;
}

const silentLog: PlannerLog = { info: () => undefined, warn: () => undefined };

/**
 * Plans an ingested blueprint in this process: the same use case the planner runs on
 * `blueprint.ingested` (rules, bounded model refinement, one transaction saving plan, tasks and the
 * `plan.generated` / `tasks.generated` events in the store's outbox). Returns both payloads.
 * Throws MissingDependencyError, DependencyCycleError or PlanInputError on a blueprint that cannot
 * be planned, ConfigError on a bad model setting.
 *
 *   const ingested = ...; // a BlueprintIngestedV1 payload from ingestion
 *   const { plan, tasks } = await planBlueprint(ingested, { store });
 */
export async function planBlueprint(
  blueprint: BlueprintIngestedV1,
  options: PlanBlueprintOptions,
): Promise<PlanBlueprintResult> {
  const { store } = options;
  await declareOutbox(store);
  for (const spec of plannerService.collections) await store.ensureCollection(spec);
  const clock = options.clock ?? systemClock;
  const settings =
    options.refiner !== undefined && options.maxRefinementCalls !== undefined
      ? undefined
      : plannerRefinementSettings(options.env ?? process.env);
  const refiner =
    options.refiner !== undefined
      ? options.refiner
      : settings?.model
        ? new OpenAiPlanRefiner(settings.model)
        : null;
  return planBlueprintUseCase(
    blueprint,
    {
      repository: new StorePlanRepository(store, clock),
      anchors: options.anchors ?? blueprintAnchorBuilder,
      refiner,
      log: options.log ?? silentLog,
      clock,
      ids: options.ids ?? ulidSource(),
      maxRefinementCalls: options.maxRefinementCalls ?? settings?.maxCalls ?? DEFAULT_MAX_REFINEMENT_CALLS,
    },
    options.context,
  );
}
