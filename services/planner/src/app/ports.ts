import type {
  BlueprintIngestedV1,
  Envelope,
  GapReportCreatedV1,
  IntentionAnchor,
  PlanNode,
  PlanProposalCreatedV1,
  PlanRejectedV1,
  TaskSpec,
} from '@autopilot/contracts';
import type { SectionSource } from '../domain/plan/plan-graph';
import type { Refinement } from '../domain/plan/plan-refinement';
import type { RepoView } from '../domain/repo-check/repo-view';
import type { RulesFields } from '../domain/repo-check/task-repo-check';

/**
 * The planner's own ports: what the plan and task use cases need from the outside world. Adapters
 * live in ../adapters; the module binds them.
 */

/** One ambiguous node, as sent to a model. */
export interface RefinementRequest {
  readonly nodeId: string;
  readonly system: string;
  readonly user: string;
  /** Whose budget pays for the call. */
  readonly projectId: string;
  /** The planning the call belongs to (one blueprint version): the budget books it as a run. */
  readonly planningId: string;
}

/**
 * A language model that settles ambiguous plan nodes. Optional: without one the rule-based plan is
 * complete. Each call to `refine` is one model call; the caller bounds and caches them.
 */
export interface PlanRefiner {
  /** The model's name, recorded with cached answers. */
  readonly model: string;
  /**
   * The model's answer as parsed JSON (unchecked: the caller checks its shape). Rejects with
   * PlanRefinerError on any transport, HTTP or JSON failure; never with the API key in the error.
   */
  refine(request: RefinementRequest): Promise<unknown>;
}
/** Injection token for the optional PlanRefiner (bound to null when no model is configured). */
export const PlanRefiner = Symbol('PlanRefiner');

/** The head of the stored plan of a project: what the last planning produced. */
export interface StoredPlanHead {
  readonly planId: string;
  readonly projectId: string;
  readonly blueprintId: string;
  readonly blueprintVersion: number;
  readonly blueprintDigest: string;
  readonly revision: number;
  readonly generatedAt: string;
  readonly anchor: IntentionAnchor;
  readonly nodeCount: number;
  readonly taskCount: number;
  /** Task ids in the order `tasks.generated` announced them (dependency order): kept to announce again. */
  readonly taskOrder?: readonly string[];
  /** The commit of the repository scan the tasks were checked against, when they were. */
  readonly repoCommit?: string;
}

/** A stored plan node: the contract shape, plus the extracted facts of its sections for reuse. */
export interface StoredPlanNode {
  readonly node: PlanNode;
  readonly sources: readonly SectionSource[];
  /** SECTION_FACTS_VERSION of the rules that extracted `sources`' facts; absent before versioning. */
  readonly factsVersion?: number;
}

/** A stored task, in the contract's shape. */
export interface StoredTask {
  readonly task: TaskSpec;
  /**
   * The scope and validation the rules gave, when checking against the repository changed them: a
   * re-plan keeps the task's check while the rules give the same fields again (issue 17).
   */
  readonly rules?: RulesFields;
}

export interface StoredPlan {
  readonly head: StoredPlanHead;
  readonly nodes: ReadonlyMap<string, StoredPlanNode>;
  readonly tasks: ReadonlyMap<string, StoredTask>;
}

/** A plan revision as PlanRepository.commit saves it. */
export interface PlanCommit {
  readonly head: StoredPlanHead;
  readonly nodes: readonly StoredPlanNode[];
  readonly tasks: readonly StoredTask[];
  /**
   * Nodes known to be, apart from their positions, a node this planner stored before (the same
   * stored form: message, sources and facts version): what an edit moved. The repository need not
   * compare them with that node; with any other it compares as usual.
   */
  readonly movedNodes?: ReadonlyMap<StoredPlanNode, StoredPlanNode>;
}

/**
 * Where plans live (`plans`, `plan_nodes`, `task_specs`, `plan_positions`), and the rejections of blueprints that
 * could not be planned (`plan_rejections`).
 */
export interface PlanRepository {
  /** The project's stored plan with all its nodes and tasks, or null before the first plan. */
  load(planId: string): Promise<StoredPlan | null>;
  /**
   * Saves `next` over `previous` (writing only documents that changed, deleting those that are
   * gone) and appends `events` to the outbox, in one transaction. Rejects with
   * StoreRevisionConflictError when the plan changed since `previous` was loaded: nothing written.
   */
  commit(next: PlanCommit, previous: StoredPlan | null, events: readonly Envelope[]): Promise<void>;
  /**
   * Records why a blueprint version could not be planned (one record per version: a repeat replaces
   * it) and appends `events`, in one transaction. The plan itself is untouched.
   */
  commitRejection(rejection: PlanRejectedV1, events: readonly Envelope[]): Promise<void>;
  /** Appends `events` to the outbox alone: the stored plan announced again, nothing of it rewritten. */
  announce(events: readonly Envelope[]): Promise<void>;
  /** Every stored plan of the project (one per blueprint), in plan id order. */
  loadProject(projectId: string): Promise<StoredPlan[]>;
  /**
   * A repository scan's outcome for plans, in one transaction: the project's repository view
   * replaced, each plan the check revised saved over the one it was loaded as (as `commit` does,
   * StoreRevisionConflictError when one changed meanwhile: nothing written), and `events` appended.
   */
  commitRepoCheck(
    projectId: string,
    view: RepoView,
    revised: readonly {
      readonly next: PlanCommit;
      readonly previous: StoredPlan;
    }[],
    events: readonly Envelope[],
  ): Promise<void>;
}
export const PlanRepository = Symbol('PlanRepository');

/** The model's checked answers by key (`plan_refinements`), so a re-plan makes no call twice. */
export interface RefinementCache {
  /** Cached refinements by key; missing keys are absent from the map. */
  cachedRefinements(keys: readonly string[]): Promise<Map<string, Refinement>>;
  /** Caches one checked refinement under its key (idempotent). */
  cacheRefinement(key: string, refinement: Refinement, model: string): Promise<void>;
}
export const RefinementCache = Symbol('RefinementCache');

/**
 * Builds the intention anchor `plan.generated` carries. The seam between the plan graph and the
 * intention anchor: the default (app/plan-anchor-builder.ts) quotes the blueprint through
 * `anchorFromBlueprint`; a builder that also reads the project's explicit inputs replaces it.
 */
export interface AnchorBuilder {
  /** The anchor for this blueprint version. Rejects only on invalid input (the plan is not saved). */
  anchorFor(blueprint: BlueprintIngestedV1): Promise<IntentionAnchor>;
}
export const AnchorBuilder = Symbol('AnchorBuilder');

/** Where the planner reports what it chose to skip (a failed model call). Never given secrets. */
export interface PlannerLog {
  /** A line at info level with structured fields. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** A line at warn level with structured fields. */
  warn(message: string, fields?: Record<string, unknown>): void;
}
export const PlannerLog = Symbol('PlannerLog');

/**
 * A gap report as stored, once per project and report id (the id follows the findings): the
 * `gap_report.created` payload last announced. Every scan job announces its report, also one
 * recorded before; `report.createdAt` stays the time it was first made.
 */
export interface GapReportRecord {
  readonly projectId: string;
  readonly report: GapReportCreatedV1;
  /** When it was last announced, ISO-8601. */
  readonly announcedAt: string;
  /** Store revision (compare-and-set); absent before the first commit. */
  readonly version?: number;
}

/** Gap reports (`gap_reports`). */
export interface GapReportRepository {
  /** The project's report with this id, or null. */
  get(projectId: string, reportId: string): Promise<GapReportRecord | null>;
  /**
   * Stores `next` by compare-and-set on `expectedVersion` (0: a new report), and the plan proposal
   * the report names when given (likewise on its own `expectedVersion`), and appends `events` to the
   * outbox, all in one transaction: a scan's outcome is stored whole or not at all. Rejects with
   * StoreRevisionConflictError when either record changed since it was read: nothing written.
   */
  commit(
    next: GapReportRecord,
    expectedVersion: number,
    events: readonly Envelope[],
    proposal?: { readonly next: PlanProposalRecord; readonly expectedVersion: number },
  ): Promise<void>;
}
export const GapReportRepository = Symbol('GapReportRepository');

/** A plan proposal as stored, once per project and proposal id (the id follows its content). */
export interface PlanProposalRecord {
  readonly projectId: string;
  readonly proposal: PlanProposalCreatedV1;
  /** When it was last announced, ISO-8601. */
  readonly announcedAt: string;
  /** Store revision (compare-and-set); absent before the first commit. */
  readonly version?: number;
}

/** Plan proposals (`plan_proposals`); stored with the gap report that names them (GapReportRepository). */
export interface PlanProposalRepository {
  /** The project's proposal with this id, or null. */
  get(projectId: string, proposalId: string): Promise<PlanProposalRecord | null>;
}
export const PlanProposalRepository = Symbol('PlanProposalRepository');

/**
 * The intention anchors of projects (`anchors`). They are written with the plan that carries them
 * (PlanRepository.commit); gap reports and proposals only read the current one.
 */
export interface AnchorRepository {
  /** The project's current anchor (the one recorded last), or undefined before any plan. */
  current(projectId: string): Promise<IntentionAnchor | undefined>;
}
export const AnchorRepository = Symbol('AnchorRepository');

/** The latest repository view of each project (`repo_views`), written by `PlanRepository.commitRepoCheck`. */
export interface RepoViewRepository {
  /** The project's repository as last scanned, or undefined before any scan. */
  current(projectId: string): Promise<RepoView | undefined>;
}
export const RepoViewRepository = Symbol('RepoViewRepository');

/**
 * The last whole version of each blueprint this process was handed, so that the next version can
 * arrive as a change to it (`blueprint.ingested` v2). A cache: empty after a restart, when a change
 * to a version not held makes the planner ask for the version whole.
 */
export interface RecentBlueprints {
  get(blueprintId: string): BlueprintIngestedV1 | undefined;
  remember(blueprint: BlueprintIngestedV1): void;
}
export const RecentBlueprints = Symbol('RecentBlueprints');
