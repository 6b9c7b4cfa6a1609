import type { RunCheckpoint, StepKind } from '@autopilot/contracts';

/**
 * What a run does, step by step. Each step is recorded (`step.recorded`) under the next number;
 * numbers continue across suspensions and resumes, so the manager counts each step once.
 *
 * - `model_call`: one call of the model (and its budget reservation).
 * - `tool`: a write tool applied (create_file, str_replace, insert, apply_patch). Read tools
 *   (view_file, list_files, search) are not steps: they change nothing, cost nothing, and the
 *   contract's step kinds have no name for them; the model call that asked for them lists them.
 * - `command`: a program run in the sandbox (the model's run_command, the gate's validation).
 * - `checkpoint`: a commit on the run branch (a suspension, a fix, the run's result).
 * - `gate`: the quality gate's verdict.
 * - `doctor`: the doctor's diagnosis of a failure and the action it chose.
 */
export const WORKER_STEP_KINDS = ['model_call', 'tool', 'command', 'checkpoint', 'gate', 'doctor'] as const;
export type WorkerStepKind = (typeof WORKER_STEP_KINDS)[number];

/** The kind `step.recorded` carries for a step: the doctor's verdict is a check, like the gate's. */
export function contractStepKind(kind: WorkerStepKind): StepKind {
  switch (kind) {
    case 'model_call':
      return 'llm_call';
    case 'tool':
      return 'edit';
    case 'command':
      return 'command';
    case 'checkpoint':
      return 'checkpoint';
    case 'gate':
    case 'doctor':
      return 'gate';
    default:
      return assertNever(kind);
  }
}

/**
 * Trailer keys of a run's commits: what a resume reads back from the branch. The workspace writes
 * and reads the same ones (workspace/run-workspaces.ts).
 */
const TASK_TRAILER = 'Autopilot-Task';
const RUN_TRAILER = 'Autopilot-Run';
const STEP_TRAILER = 'Autopilot-Step';

/**
 * The message of a checkpoint commit. Its trailers name the run and the checkpoint's own step, so
 * a worker that finds the branch ahead of the recorded checkpoint (a crash after the commit,
 * before `run.suspended`) knows where the numbering stands without asking anyone.
 */
export function checkpointMessage(c: {
  readonly taskId: string;
  readonly runId: string;
  readonly seq: number;
  readonly why: string;
}): string {
  return `autopilot: checkpoint step ${c.seq}\n\n${c.why}\n\n${trailers(c.taskId, c.runId, c.seq)}`;
}

/** The message of the run's result commit, naming task and run. */
export function resultCommitMessage(c: {
  readonly taskId: string;
  readonly title: string;
  readonly runId: string;
  readonly seq: number;
  readonly summary: string;
}): string {
  const title = c.title.replace(/\s+/g, ' ').slice(0, 120);
  return `${title}\n\nautopilot: task ${c.taskId}, run ${c.runId}\n\n${c.summary.slice(0, 3000)}\n\n${trailers(c.taskId, c.runId, c.seq)}`;
}

function trailers(taskId: string, runId: string, seq: number): string {
  return `${TASK_TRAILER}: ${taskId}\n${RUN_TRAILER}: ${runId}\n${STEP_TRAILER}: ${seq}\n`;
}

/** The step a commit message's trailers name for `runId`, or undefined (another run's commit, or none). */
export function checkpointStepOf(message: string, runId: string): number | undefined {
  const trailer = (key: string): string | undefined =>
    new RegExp(`^${key}: *(\\S+) *$`, 'm').exec(message)?.[1];
  if (trailer(RUN_TRAILER) !== runId) return undefined;
  const seq = Number(trailer(STEP_TRAILER));
  return Number.isInteger(seq) && seq >= 0 ? seq : undefined;
}

/**
 * The newest commit of this run a workspace found on the branch past the recorded checkpoint (a
 * crash after the commit, before it was recorded), with the step its `Autopilot-Step` trailer names.
 */
export interface AdoptedCommit {
  readonly commit: string;
  readonly step: string;
}

/** Where a run's step numbering and worktree pick up. */
export interface ResumePoint {
  /** The last step already recorded; the run's next step is `lastStepSeq + 1`. */
  readonly lastStepSeq: number;
  /** The checkpoint commit the worktree stands on, if any. */
  readonly checkpointCommit: string | undefined;
  /** True when the branch held a commit the manager had not heard of (adopted, not redone). */
  readonly adopted: boolean;
}

/**
 * Where a (re)started run resumes: after the recorded checkpoint, or after a later commit of the
 * run the branch holds (adopted: its step number comes from its trailer, never redone). A fresh run
 * starts at step 1.
 */
export function resumePoint(
  recorded: RunCheckpoint | undefined,
  ahead: AdoptedCommit | undefined,
): ResumePoint {
  const aheadSeq = ahead && /^\d+$/.test(ahead.step.trim()) ? Number(ahead.step.trim()) : undefined;
  if (ahead && aheadSeq !== undefined && aheadSeq >= (recorded?.lastStepSeq ?? 0)) {
    return { lastStepSeq: aheadSeq, checkpointCommit: ahead.commit, adopted: true };
  }
  if (recorded)
    return { lastStepSeq: recorded.lastStepSeq, checkpointCommit: recorded.commit, adopted: false };
  return { lastStepSeq: 0, checkpointCommit: ahead?.commit, adopted: ahead !== undefined };
}

function assertNever(value: never): never {
  throw new Error(`unexpected step kind ${String(value)}`);
}
