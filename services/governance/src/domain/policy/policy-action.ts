import type { AutonomyMode, GovernanceEvaluateV1Reply } from '@autopilot/contracts';

/**
 * What a run wants to do, as policy judges it. Kinds share the names of the contract's
 * `ActionKind` where one exists (`file_write`, `file_delete`, `command`, `git_push`); `network` and
 * `merge` have no contract kind yet. `riskScore` is 0 (harmless) to 1, as in `GovernedAction`.
 */
export type PolicyAction =
  | {
      readonly kind: 'file_write' | 'file_delete';
      readonly riskScore: number;
      /** Relative to the worktree root (absolute ones are accepted when inside it). */
      readonly paths: readonly string[];
      /** Size of the change, as `DiffStats` counts it. */
      readonly diff: { readonly insertions: number; readonly deletions: number };
    }
  | {
      readonly kind: 'command';
      readonly riskScore: number;
      readonly argv: readonly string[];
      /** Where it runs, relative to the worktree root; the root when absent. */
      readonly cwd?: string;
      /** Whether the sandbox would give it network. */
      readonly network?: boolean;
    }
  | {
      readonly kind: 'network';
      readonly riskScore: number;
      readonly purpose: 'install' | 'other';
      readonly host?: string;
    }
  | {
      readonly kind: 'git_push';
      readonly riskScore: number;
      readonly remote: string;
      readonly refspecs: readonly string[];
      readonly force?: boolean;
    }
  | { readonly kind: 'merge'; readonly riskScore: number; readonly targetBranch: string };

export type PolicyActionKind = PolicyAction['kind'];

/** What evaluation knows besides the action; all data, read by the app before it calls. */
export interface EvaluationContext {
  readonly mode: AutonomyMode;
  readonly defaultBranch: string;
  /** Absolute path of the run's worktree. */
  readonly worktreeRoot: string;
  /** The branch checked out in the worktree (the run branch), for `git push origin HEAD`. */
  readonly currentBranch?: string;
  /** The task is about dependencies: lockfiles are then not protected. */
  readonly dependencyTask?: boolean;
  /**
   * Real paths the app resolved on disk (symlinks followed), keyed by the path as the action gives
   * it, absolute. A path missing here is judged on its name alone.
   */
  readonly realPaths?: Readonly<Record<string, string>>;
}

/** One rule that matched: `deny` is final, `needs_approval` asks a person. */
export interface RuleHit {
  readonly ruleId: string;
  readonly effect: 'deny' | 'needs_approval';
  readonly reason: string;
  /** An auto-approval rule may not clear it (NEVER_AUTO_APPROVE, secrets, merges). */
  readonly neverAuto?: boolean;
}

/** The reply of `governance.evaluate` but the approval id, which the app mints. */
export type Evaluation = Omit<GovernanceEvaluateV1Reply, 'approvalId'>;
