import type { BudgetCaps, BudgetScope, Run, RunSuspendedV1 } from '@autopilot/contracts';
import type { RunNotes } from './run-notes';
import { endRunByManager } from './run-results';

/**
 * A suspended run given back to the work queue (DESIGN.md section 5, `suspended → pending`): its
 * approval was granted, its extra budget approved, or the day or week whose cap it ran into
 * reopened. It moves under a new fencing token, so a worker still holding the old lease is refused,
 * and keeps its checkpoint: the next `worker.execute_run` resumes from there. Anything else (a run
 * no longer suspended) is no move: undefined.
 */
export function resumeSuspendedRun(run: Run, now: string): Run | undefined {
  if (run.status !== 'suspended') return undefined;
  const { suspendReason: _r, approvalId: _a, workerId: _w, ...rest } = run;
  return {
    ...rest,
    status: 'pending',
    fencingToken: run.fencingToken + 1,
    updatedAt: now,
    revision: run.revision + 1,
  } as Run;
}

/** Whether a suspension waits for a person to raise the run's own cap ("continue with $X more"). */
export function waitsForRunBudget(event: Pick<RunSuspendedV1, 'reason' | 'exceededScope'>): boolean {
  return event.reason === 'awaiting_budget' && event.exceededScope === 'run';
}

/**
 * Whether a suspended run waits only for a calendar cap (the project's or the global day or week)
 * to reopen: such a run resumes by itself once its project runs again, no person asked.
 */
export function waitsForBudgetWindow(reason: Run['suspendReason'], scope: BudgetScope | undefined): boolean {
  return reason === 'awaiting_budget' && scope !== undefined && scope !== 'run';
}

/**
 * The project's cap of `scope` as it applies to one run (the run cap with what people approved on
 * top); undefined for the global caps, which no project setting raises.
 */
export function capOfScope(
  caps: BudgetCaps,
  scope: BudgetScope,
  extraBudgetUsd: number | undefined,
): number | undefined {
  if (scope === 'run') return caps.runUsd + (extraBudgetUsd ?? 0);
  if (scope === 'daily') return caps.dailyUsd;
  if (scope === 'weekly') return caps.weeklyUsd;
  return undefined;
}

/** Whether a person raised the cap the run stopped at since it stopped. */
function capRaised(notes: RunNotes, caps: BudgetCaps): boolean {
  if (notes.budgetScope === undefined || notes.budgetCapUsd === undefined) return false;
  const now = capOfScope(caps, notes.budgetScope, notes.extraBudgetUsd);
  return now !== undefined && now > notes.budgetCapUsd;
}

/**
 * How much more to ask for a run that reached its own cap: another run's worth (the project's run
 * cap), or the refused reservation when that alone is larger, rounded up to whole cents.
 */
export function budgetExtensionUsd(runCapUsd: number, requestedUsd: number | undefined): number {
  const wanted = Math.max(runCapUsd, requestedUsd ?? 0);
  return Math.ceil(wanted * 100 - 1e-9) / 100;
}

/** A suspended run after the decision it waited for (see runAfterApproval). */
export type RunAfterApproval =
  | { readonly kind: 'resumed'; readonly run: Run; readonly notes: RunNotes }
  | { readonly kind: 'ended'; readonly run: Run; readonly notes: RunNotes; readonly skipTask: boolean }
  | { readonly kind: 'waits'; readonly reason: string };

/**
 * Applies a kept approval decision to the run that waits for it. Approved: resumed (with the
 * approved extra budget added and a fresh lease) when its project may run work now, else it keeps
 * waiting with the decision noted. Rejected or expired: cancelled under a new fencing token, with
 * the decision as its failure. A run not suspended on that very approval waits.
 */
export function runAfterApproval(
  run: Run,
  notes: RunNotes,
  input: { readonly projectRuns: boolean; readonly now: string; readonly leaseExpiresAt: string },
): RunAfterApproval {
  const decision = notes.approvalDecision;
  if (run.status !== 'suspended' || !decision || run.approvalId !== decision.approvalId)
    return { kind: 'waits', reason: `run ${run.id} is not suspended on a decided approval` };
  const { approvalDecision: _d, budgetScope: _s, budgetCapUsd: _c, leaseExpiresAt: _l, ...rest } = notes;
  const kept: RunNotes = { ...rest, appliedApprovalId: decision.approvalId };
  if (!decision.approved) {
    const ended = endRunByManager(
      run,
      'cancelled',
      decision.failure ?? {
        code: 'MANAGER_APPROVAL_REJECTED',
        message: `approval ${decision.approvalId} rejected`,
      },
      input.now,
    );
    if (!ended) return { kind: 'waits', reason: `run ${run.id} cannot be cancelled from ${run.status}` };
    return { kind: 'ended', run: ended, notes: kept, skipTask: decision.skipTask };
  }
  if (!input.projectRuns)
    return {
      kind: 'waits',
      reason: `approval ${decision.approvalId} granted; run ${run.id} resumes when its project runs again`,
    };
  const resumed = resumeSuspendedRun(run, input.now);
  if (!resumed) return { kind: 'waits', reason: `run ${run.id} cannot resume from ${run.status}` };
  const extra = (notes.extraBudgetUsd ?? 0) + decision.extraUsd;
  return {
    kind: 'resumed',
    run: resumed,
    notes: {
      ...kept,
      ...(extra > 0 ? { extraBudgetUsd: extra } : {}),
      leaseExpiresAt: input.leaseExpiresAt,
      resumedAt: input.now,
    },
  };
}

/**
 * A suspended run whose budget window reopened (when governance said, and its project runs again),
 * or whose cap a person raised since it stopped (the run's own cap too: the "continue with $X
 * more" approval is then not needed): resumed with a fresh lease. That approval, when the run had
 * asked one, is `withdrawnApprovalId`: the caller withdraws it, so nobody is left a question whose
 * answer changes nothing, and it counts as applied (its late `approval.decided` changes nothing).
 */
export function runAfterBudgetWindow(
  run: Run,
  notes: RunNotes,
  input: {
    readonly projectRuns: boolean;
    readonly now: string;
    readonly leaseExpiresAt: string;
    /** The project's caps now. */
    readonly caps: BudgetCaps;
  },
): { readonly run: Run; readonly notes: RunNotes; readonly withdrawnApprovalId?: string } | undefined {
  if (!input.projectRuns || run.suspendReason !== 'awaiting_budget') return undefined;
  const raised = capRaised(notes, input.caps);
  if (!raised) {
    if (!waitsForBudgetWindow(run.suspendReason, notes.budgetScope)) return undefined;
    // Before its window reopens the run would only be refused again (its project may not be paused
    // yet: budget.exceeded and run.suspended arrive in either order).
    if (notes.budgetReopensAt !== undefined && Date.parse(input.now) < Date.parse(notes.budgetReopensAt))
      return undefined;
  }
  const resumed = resumeSuspendedRun(run, input.now);
  if (!resumed) return undefined;
  const { budgetScope: _s, budgetReopensAt: _r, budgetCapUsd: _c, ...kept } = notes;
  const withdrawn = run.approvalId;
  return {
    run: resumed,
    notes: {
      ...kept,
      ...(withdrawn !== undefined ? { appliedApprovalId: withdrawn } : {}),
      leaseExpiresAt: input.leaseExpiresAt,
      resumedAt: input.now,
    },
    ...(withdrawn !== undefined ? { withdrawnApprovalId: withdrawn } : {}),
  };
}
