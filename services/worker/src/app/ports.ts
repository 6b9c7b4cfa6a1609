import type {
  BudgetScope,
  DiffStats,
  Envelope,
  GovernanceEvaluateV1,
  GovernanceEvaluateV1Reply,
  RepoRef,
  RunCheckpoint,
  TokenUsage,
  WorkerExecuteRunV1,
} from '@autopilot/contracts';
import type { ContextFile, PlanExcerpt } from '../domain/context/context-builder';
import type { ChatMessage, ToolCall } from '../domain/context/conversation';
import type { DoctorMemory } from '../domain/doctor/doctor';
import type { ChangedFile } from '../domain/gate/quality-gate';
import type { AdoptedCommit } from '../domain/run/run-steps';
import type { CommandRunner as SandboxCommandRunner } from '../sandbox/command-runner';

export type { ChatMessage, ToolCall, ContextFile, PlanExcerpt, ChangedFile, AdoptedCommit };
export type { CommandRequest, CommandResult, CommandIsolation } from '../sandbox/command-runner';

/**
 * The worker's ports: what the run loop (ExecuteRunUseCase) drives. The worker owns no durable
 * state; every adapter works on scratch worktrees, the bus or the model provider. The module binds
 * them; tests bind the in-memory fakes of ../testing/fake-run-ports.
 */

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/** Where a run's reports go (`run.started`, `step.recorded`, `run.suspended`, `run.finished`). */
export interface RunReports {
  /**
   * Hands envelopes (built by OutboxEnvelopes) to the worker's outbox in one transaction; the
   * relay publishes them in order, at least once. `completesHandling`: the run's last report, so
   * the same transaction records the command in the consumer's inbox (a redelivery after a
   * restart is then acked unrun). Rejects when they could not be stored.
   */
  send(events: readonly Envelope[], opts?: { readonly completesHandling?: boolean }): Promise<void>;
}
export const RunReports = Symbol('RunReports');

// ---------------------------------------------------------------------------------------------
// Governance
// ---------------------------------------------------------------------------------------------

/** Policy on every write and command (`governance.evaluate`, request/reply). */
export interface RunGovernance {
  /**
   * Governance's decision on one action. Rejects when governance could not be asked (timeout, no
   * responder): the loop treats that as an infrastructure failure, never as an allow.
   */
  evaluate(request: GovernanceEvaluateV1): Promise<GovernanceEvaluateV1Reply>;
}
export const RunGovernance = Symbol('RunGovernance');

// ---------------------------------------------------------------------------------------------
// Model (packages/model-client: ModelClient + ModelRouter)
// ---------------------------------------------------------------------------------------------

/** Which configured model serves a call (ModelRouter roles). */
export type ModelRole = 'worker_code' | 'worker_test' | 'worker_docs' | 'doctor';

/**
 * A tool as the model sees it: name, what it does, and its arguments as JSON Schema (a ToolDef of
 * contracts/src/worker-tools, as the model client's ModelToolDefinition takes it).
 */
export interface ModelTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface ModelCallRequest {
  readonly role: ModelRole;
  /** `cheap` first; `strong` once the doctor escalated (ModelRouter maps role and tier to a model). */
  readonly tier: 'cheap' | 'strong';
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ModelTool[];
  readonly maxTokens: number;
  readonly projectId: string;
  readonly runId: string;
  readonly taskId: string;
  /** The step the call is; with runId, the reservation id (so a retried call reserves once). */
  readonly stepSeq: number;
  /** Aborts the call (graceful shutdown); resolves as `failed` with code WORKER_MODEL_ABORTED. */
  readonly signal?: AbortSignal;
}

/**
 * How a model call ended. Expected outcomes are values, not errors: the loop decides on each.
 * `costUsd` is what the call was settled at (0 when the provider did not bill it).
 */
export type ModelCallOutcome =
  | {
      readonly kind: 'reply';
      readonly content: string | null;
      /** Raw as the provider sent them; malformed JSON stays for the tools to refuse. */
      readonly toolCalls: readonly ToolCall[];
      readonly model: string;
      readonly usage: TokenUsage;
      readonly costUsd: number;
    }
  | {
      /** governance.reserve_budget refused the call's reservation: nothing was called. */
      readonly kind: 'budget_refused';
      readonly scope: BudgetScope | undefined;
      readonly requestedUsd: number;
      readonly reason: string;
    }
  | {
      /** The provider refused the prompt as too long, even after the client compacted it. */
      readonly kind: 'context_too_long';
      readonly message: string;
    }
  | {
      /** Failed after the client's retries (429/5xx/timeouts), or aborted. Message free of secrets. */
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly model?: string;
      readonly costUsd: number;
    };

/** The one model client: reserves budget, calls the model, records the span, settles. */
export interface RunModel {
  /** One chat completion with tools. Never rejects for an expected outcome (see ModelCallOutcome). */
  complete(request: ModelCallRequest): Promise<ModelCallOutcome>;
  /** Tokens of `text` with the tokenizer of the models in use (for the context budget). */
  countTokens(text: string): number;
}
export const RunModel = Symbol('RunModel');

// ---------------------------------------------------------------------------------------------
// Tools (services/worker/src/tools)
// ---------------------------------------------------------------------------------------------

/** A tool's answer to the model. */
export interface ToolResult {
  readonly ok: boolean;
  /** What the model reads as the tool message (an error says what and where). */
  readonly message: string;
}

/** What a write tool would do, worked out without touching the worktree. */
export interface PreparedWrite {
  readonly kind: 'write';
  readonly tool: string;
  /** Worktree-relative paths written (created, changed or deleted). */
  readonly paths: readonly string[];
  /** The change as a unified diff against the worktree; what governance judges and approves. */
  readonly diff: string;
  readonly insertions: number;
  readonly deletions: number;
  /** sha256 (hex) of `diff`: an approval covers exactly this diff. */
  readonly diffSha256: string;
  /** Whether any path is deleted (action kind file_delete). */
  readonly deletes: boolean;
  /** Each path's resolved real path (symlinks followed), which governance checks against the worktree. */
  readonly realPaths?: readonly { readonly path: string; readonly realPath: string }[];
}

/**
 * A tool call, checked and classified. Read tools (view_file, list_files, search) have no side
 * effect, so preparing one runs it (`answer`); so is a call refused before anything happens
 * (malformed JSON, an unknown tool, bad arguments, a path outside the worktree, an edit that would
 * break a file's syntax): `answer` with `ok: false`.
 */
export type PreparedToolCall =
  | { readonly kind: 'answer'; readonly result: ToolResult }
  | PreparedWrite
  | {
      readonly kind: 'command';
      readonly argv: readonly string[];
      /** Worktree-relative working directory; '.' for the root. */
      readonly cwd: string;
      readonly timeoutMs?: number;
    }
  | { readonly kind: 'finish'; readonly summary: string; readonly confidence: number };

/** What undoes one applied write: each file's content before it (null: it did not exist). */
export interface WriteUndo {
  readonly files: readonly { readonly path: string; readonly before: string | null }[];
}

export interface WorkerTools {
  /** The tool contract the model sees (every tool, `finish` included). */
  definitions(): readonly ModelTool[];
  /** Checks a call against the worktree at `root` and works out what it does; writes nothing. */
  prepare(root: string, call: ToolCall): Promise<PreparedToolCall>;
  /**
   * Applies a prepared write. `ok: false` (nothing written) when the files changed since it was
   * prepared or the result would not parse; otherwise the undo record.
   */
  apply(
    root: string,
    write: PreparedWrite,
  ): Promise<{ readonly result: ToolResult; readonly undo?: WriteUndo }>;
}
export const WorkerTools = Symbol('WorkerTools');

// ---------------------------------------------------------------------------------------------
// Workspace (services/worker/src/workspace)
// ---------------------------------------------------------------------------------------------

export interface ProvisionRequest {
  readonly projectId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly repo: RepoRef;
  readonly branch: string;
  /** The recorded base; git's null id (40 zeros): the tip of the default branch. */
  readonly baseCommit: string;
  readonly resumeFrom?: RunCheckpoint;
}

/** A run's worktree, ready to work in. */
export interface Workspace {
  /** Absolute path of the worktree. */
  readonly root: string;
  readonly branch: string;
  /** The base commit, resolved (never the null id). */
  readonly baseCommit: string;
  /** The branch tip the worktree stands on. */
  readonly head: string;
  /**
   * On resume (or a requeue): the newest commit of this run the branch holds past the recorded
   * checkpoint (a crash after the commit, before it was recorded; a hand-back on shutdown), with
   * the step its `Autopilot-Step` trailer names: adopted as it is, never redone.
   */
  readonly adopted?: AdoptedCommit;
  /** How bootstrap went (files copied, install step), for the run's record. */
  readonly notes: readonly string[];
  /** The toolchain's install step this worktree needs before its tests can run (none installed yet). */
  readonly install?: readonly string[];
}

/** What the run changed against its base commit. */
export interface WorkspaceChanges {
  readonly stats: DiffStats;
  readonly files: readonly ChangedFile[];
  /** Unified diff of the worktree (committed and not) against the base commit. */
  readonly patch: string;
}

export interface RunWorkspaces {
  /**
   * A worktree on the run branch: the mirror brought up to date, the branch created from the base
   * (never the default branch), or found and reconciled on resume. Rejects with a typed error when
   * the repository cannot be reached or the checkpoint is not on the branch.
   */
  provision(request: ProvisionRequest): Promise<Workspace>;
  /**
   * Commits everything in the worktree on the run branch (an empty change still commits) and
   * pushes the branch where other workers resume from; the commit sha. `message` carries the
   * `Autopilot-Task`, `Autopilot-Run` and `Autopilot-Step` trailers (an adapter writing its own
   * message keeps them, with `step`): a resume adopts a commit by them.
   */
  commit(ws: Workspace, commit: { readonly step: number; readonly message: string }): Promise<string>;
  /** The worktree against the base commit. */
  changes(ws: Workspace): Promise<WorkspaceChanges>;
  /** Puts `paths` back as `commit` has them (deleted where it has none); other files untouched. */
  restorePaths(ws: Workspace, paths: readonly string[], commit: string): Promise<void>;
  /**
   * Moves the worktree back to `commit` (a checkpoint of this run, or the base) as step `step`;
   * the branch only moves forward, so later commits stay reachable.
   */
  rollback(ws: Workspace, commit: string, step: number): Promise<void>;
  /** Removes the worktree once its branch holds every commit of the run; the branch stays. */
  release(ws: Workspace): Promise<void>;
}
export const RunWorkspaces = Symbol('RunWorkspaces');

// ---------------------------------------------------------------------------------------------
// Command sandbox (services/worker/src/sandbox/command-runner.ts)
// ---------------------------------------------------------------------------------------------

/** Runs a command governance allowed, contained (see sandbox/command-runner.ts). */
export type CommandRunner = SandboxCommandRunner;
export const CommandRunner = Symbol('CommandRunner');

// ---------------------------------------------------------------------------------------------
// What a suspended run needs beyond its worktree
// ---------------------------------------------------------------------------------------------

/** What a run has spent and done so far, carried across suspensions. */
export interface RunTotals {
  readonly costUsd: number;
  readonly tokens: TokenUsage;
  /** Wall time on workers, suspensions excluded (ms). */
  readonly durationMs: number;
}

/** A suspended run's conversation and state, keyed by its checkpoint commit. */
export interface RunJournalEntry {
  readonly runId: string;
  readonly checkpointCommit: string;
  readonly lastStepSeq: number;
  readonly messages: readonly ChatMessage[];
  /** Tool calls of the last model reply not done yet (the one awaiting approval first). */
  readonly pendingCalls: readonly ToolCall[];
  readonly totals: RunTotals;
  readonly doctor: DoctorMemory;
  readonly tier: 'cheap' | 'strong';
  /** The last edit's step, and every command run since the run started (for the gate). */
  readonly lastEditSeq: number;
  /** Paths a person approved writing (protected ones the gate then lets through). */
  readonly approvedPaths?: readonly string[];
  readonly commands: readonly JournalCommand[];
  /** A task with explicit steps: how many of them are done. */
  readonly deterministicDone?: number;
}

/** A command a run ran, as the journal keeps it (output cut). */
export interface JournalCommand {
  readonly seq: number;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly outputTail: string;
}

/**
 * Where a suspended run's conversation and step state wait for the worker that resumes it, which
 * may be another replica on another machine (e.g. a git note on the checkpoint commit, pushed with
 * the branch).
 */
export interface RunJournal {
  /** Stores `entry` under its checkpoint commit; rejects when it could not be stored. */
  save(entry: RunJournalEntry): Promise<void>;
  /** The entry of `checkpointCommit`, or undefined: the resumed run rebuilds its context from the task. */
  load(runId: string, checkpointCommit: string): Promise<RunJournalEntry | undefined>;
}
export const RunJournal = Symbol('RunJournal');

// ---------------------------------------------------------------------------------------------
// Context sources
// ---------------------------------------------------------------------------------------------

/** What goes into a run's opening context besides the task itself. */
export interface GatheredContext {
  readonly planExcerpt?: PlanExcerpt;
  /** Most relevant first. */
  readonly files: readonly ContextFile[];
  /** Learned hints for the task or project. */
  readonly hints: readonly string[];
}

export interface RunContextSources {
  /** Gathers the plan excerpt, the files that matter (read from the worktree) and learned hints; never rejects for a missing part. */
  gather(command: WorkerExecuteRunV1, ws: Workspace): Promise<GatheredContext>;
}
export const RunContextSources = Symbol('RunContextSources');

// ---------------------------------------------------------------------------------------------
// Log
// ---------------------------------------------------------------------------------------------

/** Where the worker reports what it skipped or could not do (no secrets, no payloads). */
export interface WorkerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
export const WorkerLog = Symbol('WorkerLog');

/** This replica's identity in `run.started` (hostname and process, or a configured name). */
export const WorkerIdentity = Symbol('WorkerIdentity');
export interface WorkerIdentity {
  readonly workerId: string;
}
