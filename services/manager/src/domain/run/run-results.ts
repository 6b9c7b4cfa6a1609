import type {
  Failure,
  Run,
  RunFinishedV1,
  RunStartedV1,
  RunStatus,
  RunSuspendedV1,
  StepKind,
  StepRecordedV1,
} from '@autopilot/contracts';
import { canTransitionRun, isFinalRun } from './run-lifecycle';

/**
 * What a worker's report does to the run it names, decided from the stored run alone:
 *
 * - `refused`: the report carries a fencing token that is not the run's current one (a stale worker
 *   whose lease lapsed and whose run was requeued or cancelled, or a token never issued), or asks
 *   for a move the lifecycle forbids. Logged as a warning and acked; nothing changes.
 * - `unchanged`: the run already shows it (a duplicate delivery, a late `run.started` after the end).
 * - `changed`: the new run (revision + 1) and its lease (undefined once it holds no worker).
 *
 * Reports of one run travel on different consumers, so they may arrive out of order: a step or
 * the end of a run still `pending` (its `run.started` not handled yet) starts it on the way.
 */
export type RunReportDecision =
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unchanged'; readonly reason: string }
  | {
      readonly kind: 'changed';
      readonly run: Run;
      readonly leaseExpiresAt: string | undefined;
      /** `step.recorded`: the kind of a step that did not succeed. */
      readonly failedStepKind?: StepKind;
    };

/** Whether `token` is the run's current lease; the refusal's reason when not. */
export function checkFencingToken(run: Run, token: number): string | undefined {
  if (token === run.fencingToken) return undefined;
  return token < run.fencingToken
    ? `stale fencing token ${token}: run ${run.id} is on lease ${run.fencingToken} (requeued or cancelled since)`
    : `fencing token ${token} was never issued for run ${run.id} (current ${run.fencingToken})`;
}

const revise = (run: Run, changes: Partial<Run>, now: string): Run => ({
  ...run,
  ...changes,
  updatedAt: now,
  revision: run.revision + 1,
});

/** The run running: itself when it already is, started on the way when pending. */
function running(run: Run, now: string, workerId?: string): Run | undefined {
  if (run.status === 'running') return run;
  if (run.status !== 'pending') return undefined;
  return {
    ...run,
    status: 'running',
    ...(workerId !== undefined ? { workerId } : {}),
    startedAt: run.startedAt ?? now,
  };
}

export function decideRunStarted(
  run: Run,
  event: RunStartedV1,
  now: string,
  leaseExpiresAt: string,
): RunReportDecision {
  const stale = checkFencingToken(run, event.fencingToken);
  if (stale) return { kind: 'refused', reason: stale };
  if (run.status !== 'pending')
    return { kind: 'unchanged', reason: `run ${run.id} is already ${run.status}` };
  const started = running(run, event.startedAt, event.workerId) as Run;
  return {
    kind: 'changed',
    run: revise(started, { startedAt: run.startedAt ?? event.startedAt }, now),
    leaseExpiresAt,
  };
}

/** A step renews the lease, counts and costs; a step at or below the count already seen is a duplicate. */
export function decideStepRecorded(
  run: Run,
  event: StepRecordedV1,
  now: string,
  leaseExpiresAt: string,
): RunReportDecision {
  const stale = checkFencingToken(run, event.fencingToken);
  if (stale) return { kind: 'refused', reason: stale };
  if (isFinalRun(run.status) || run.status === 'suspended')
    return { kind: 'unchanged', reason: `run ${run.id} is ${run.status}` };
  if (event.seq <= run.steps)
    return { kind: 'unchanged', reason: `step ${event.seq} of run ${run.id} already recorded` };
  const current = running(run, now) as Run;
  const tokens = event.tokens
    ? {
        input: current.tokens.input + event.tokens.input,
        output: current.tokens.output + event.tokens.output,
      }
    : current.tokens;
  return {
    kind: 'changed',
    run: revise(current, { steps: event.seq, costUsd: current.costUsd + event.costUsd, tokens }, now),
    leaseExpiresAt,
    ...(event.status !== 'succeeded' ? { failedStepKind: event.kind } : {}),
  };
}

export function decideRunFinished(run: Run, event: RunFinishedV1, now: string): RunReportDecision {
  const stale = checkFencingToken(run, event.fencingToken);
  if (stale) return { kind: 'refused', reason: stale };
  if (isFinalRun(run.status)) {
    return run.status === event.outcome
      ? { kind: 'unchanged', reason: `run ${run.id} already ended ${run.status}` }
      : { kind: 'refused', reason: `run ${run.id} already ended ${run.status}, not ${event.outcome}` };
  }
  const from = running(run, now) ?? run;
  if (!canTransitionRun(from, event.outcome))
    return { kind: 'refused', reason: `run ${run.id} is ${run.status}: it cannot end ${event.outcome}` };
  const failure: Failure | undefined =
    event.failure ??
    (event.outcome === 'failed'
      ? { code: 'WORKER_RUN_FAILED', message: 'the worker reported no reason' }
      : undefined);
  const { failure: _, workerId: __, ...rest } = from;
  return {
    kind: 'changed',
    run: revise(
      rest as Run,
      {
        status: event.outcome,
        ...(event.branch !== undefined ? { branch: event.branch } : {}),
        costUsd: event.costUsd,
        tokens: event.tokens,
        diff: event.diff,
        tests: event.tests,
        steps: Math.max(from.steps, event.steps),
        confidence: event.confidence,
        ...(failure ? { failure } : {}),
        finishedAt: event.finishedAt,
      },
      now,
    ),
    leaseExpiresAt: undefined,
  };
}

export function decideRunSuspended(run: Run, event: RunSuspendedV1, now: string): RunReportDecision {
  const stale = checkFencingToken(run, event.fencingToken);
  if (stale) return { kind: 'refused', reason: stale };
  if (run.status === 'suspended') return { kind: 'unchanged', reason: `run ${run.id} is already suspended` };
  const from = running(run, now);
  if (!from) return { kind: 'refused', reason: `run ${run.id} is ${run.status}: it cannot suspend` };
  const { workerId: _, ...rest } = from;
  return {
    kind: 'changed',
    run: revise(
      rest as Run,
      {
        status: 'suspended',
        suspendReason: event.reason,
        ...(event.approvalId !== undefined ? { approvalId: event.approvalId } : {}),
        checkpoint: event.checkpoint,
        costUsd: event.costUsd,
      },
      now,
    ),
    leaseExpiresAt: undefined,
  };
}

/**
 * A run ended by the manager itself (cancelled by a person or an abort, failed past its maximum
 * run time): the fencing token moves on so the worker that may still hold it is refused from now.
 */
export function endRunByManager(
  run: Run,
  to: Extract<RunStatus, 'cancelled' | 'failed'>,
  failure: Failure,
  now: string,
): Run | undefined {
  if (isFinalRun(run.status) || !canTransitionRun(run, to)) return undefined;
  const { workerId: _, ...rest } = run;
  return revise(
    rest as Run,
    { status: to, failure, fencingToken: run.fencingToken + 1, finishedAt: now },
    now,
  );
}

/** A run whose lease lapsed, back to `pending` under a new fencing token for a new dispatch. */
export function requeueRun(run: Run, now: string): Run | undefined {
  if (run.status !== 'pending' && run.status !== 'running') return undefined;
  const { workerId: _, ...rest } = run;
  return revise(rest as Run, { status: 'pending', fencingToken: run.fencingToken + 1 }, now);
}
