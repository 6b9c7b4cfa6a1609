import type { BudgetScope, Failure, StepKind } from '@autopilot/contracts';

/**
 * What the manager keeps of a run beyond the contract: when its lease lapses (pending and running
 * runs), the kind of its last step that did not succeed, its error signature once it failed, and
 * what a suspension for budget waits for and what people granted it.
 */
export interface RunNotes {
  readonly leaseExpiresAt?: string;
  /**
   * The run's trace (W3C traceparent), begun at its dispatch: a requeued or resumed run's
   * `worker.execute_run` continues it, so a run is one trace however often it is sent.
   */
  readonly traceparent?: string;
  readonly failedStepKind?: StepKind;
  readonly signature?: string;
  /** awaiting_budget: the cap the run ran into. */
  readonly budgetScope?: BudgetScope;
  /**
   * awaiting_budget at the run's, the project's day's or week's cap: that cap when the run stopped,
   * so a person raising it (manager.update_project) resumes the run without waiting for the window.
   */
  readonly budgetCapUsd?: number;
  /** awaiting_budget at a day's or week's cap: when its window reopens. */
  readonly budgetReopensAt?: string;
  /** Approved "continue with $X more" on top of the project's run cap, summed. */
  readonly extraBudgetUsd?: number;
  /** When the run last left `suspended`: its maximum run time counts from here, not across a wait for a person. */
  readonly resumedAt?: string;
  /**
   * A person's decision on the approval the run waits (or is about to wait) for, kept until it
   * can be applied: `approval.decided` may arrive before the worker's `run.suspended`, and an
   * approved run of a paused project resumes only when the project runs again.
   */
  readonly approvalDecision?: RunApprovalDecision;
  /** Succeeded: the branch's last commit (`run.finished`), where the task's dependants start. */
  readonly headCommit?: string;
  /** The quality gate's checks from `run.finished`, for auto-pause. */
  readonly gates?: readonly { readonly name: string; readonly passed: boolean }[];
  /** The last approval decision applied to the run: a repeat of it changes nothing. */
  readonly appliedApprovalId?: string;
}

/** `approval.decided` for a run, as the run keeps it. */
export interface RunApprovalDecision {
  readonly approvalId: string;
  readonly approved: boolean;
  /** budget_extension: how much more the run may spend. */
  readonly extraUsd: number;
  /** Not approved: expired with the policy default `skip_task` (else the run and its task are cancelled). */
  readonly skipTask: boolean;
  /** Not approved: why, for the run's and the task's failure. */
  readonly failure?: Failure;
}
