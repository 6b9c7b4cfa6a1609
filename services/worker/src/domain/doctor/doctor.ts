import type { Failure, StepKind } from '@autopilot/contracts';
import type { GateVerdict } from '../gate/quality-gate';
import { errorSignature } from '@autopilot/kernel';

/** What went wrong, as the doctor tells failures apart. */
export const FAILURE_CLASSES = [
  'patch_does_not_apply',
  'test_failure',
  'gate_rejected',
  'command_denied',
  'timeout',
  'model_error',
  'infrastructure',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** A failure the run could not shrug off (a single tool error goes back to the model instead). */
export interface FailureReport {
  /** Where it happened. */
  readonly source: 'tool' | 'command' | 'gate' | 'model' | 'infrastructure';
  /** The step kind `step.recorded` gave the failing step: part of the signature. */
  readonly stepKind: StepKind;
  readonly message: string;
  /** For a tool or command: how the step ended. */
  readonly status?: 'failed' | 'denied' | 'timed_out';
  /** source `gate`: the verdict. */
  readonly gate?: GateVerdict;
  /** The paths at fault, when known (a rejected edit's file, out-of-scope changes). */
  readonly paths?: readonly string[];
}

/** What the doctor remembers within one run (carried across suspensions). */
export interface DoctorMemory {
  readonly calls: number;
  readonly executeFixUsed: boolean;
  readonly escalated: boolean;
  readonly rolledBack: boolean;
  /** Signatures of the failures diagnosed so far, oldest first. */
  readonly signatures: readonly string[];
}

export const FRESH_DOCTOR: DoctorMemory = {
  calls: 0,
  executeFixUsed: false,
  escalated: false,
  rolledBack: false,
  signatures: [],
};

/** An allowlisted repair: git or file operations only, never a command the model wrote. */
export type DoctorFix = {
  readonly kind: 'restore_paths';
  /** Worktree-relative paths put back as the base commit has them (deleted when it has none). */
  readonly paths: readonly string[];
};

export type DoctorAction =
  | { readonly action: 'retry_with_hint'; readonly hint: string }
  | { readonly action: 'escalate_model'; readonly hint: string }
  | { readonly action: 'execute_fix'; readonly fix: DoctorFix; readonly hint: string }
  | { readonly action: 'roll_back'; readonly to: 'last_checkpoint'; readonly hint: string }
  | { readonly action: 'mark_failed'; readonly failure: Failure };

export interface Diagnosis {
  readonly failureClass: FailureClass;
  readonly signature: string;
  readonly action: DoctorAction;
  readonly memory: DoctorMemory;
}

const FAILURE_CODES: Record<FailureClass, string> = {
  patch_does_not_apply: 'WORKER_PATCH_REJECTED',
  test_failure: 'WORKER_TESTS_FAILED',
  gate_rejected: 'WORKER_GATE_REJECTED',
  command_denied: 'WORKER_COMMAND_DENIED',
  timeout: 'WORKER_TIMEOUT',
  model_error: 'WORKER_MODEL_ERROR',
  infrastructure: 'WORKER_INFRASTRUCTURE',
};

/** Which kind of failure a report is. */
export function classifyFailure(r: FailureReport): FailureClass {
  if (r.source === 'infrastructure') return 'infrastructure';
  if (r.source === 'model') return 'model_error';
  if (r.status === 'denied') return 'command_denied';
  if (r.status === 'timed_out') return 'timeout';
  if (r.source === 'tool') return 'patch_does_not_apply';
  if (r.source === 'gate') {
    const codes = new Set((r.gate?.reasons ?? []).map((x) => x.code));
    if (codes.has('VALIDATION_FAILED')) {
      return r.gate?.reasons.some((x) => x.code === 'VALIDATION_FAILED' && /timed out/.test(x.message))
        ? 'timeout'
        : 'test_failure';
    }
    return 'gate_rejected';
  }
  return 'test_failure';
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The doctor: classifies a failure and picks one action. A first failure of a kind gets a hint; the
 * same failure again (same signature) escalates to the strong model, then an allowlisted fix (once
 * per run, taken after a checkpoint so it can be undone) or a rollback to the last checkpoint, then
 * fails the run. Infrastructure faults fail the run at once: another attempt, maybe on another
 * worker, fares better than this one retrying. Calls are capped per run; past the cap the run fails
 * with the failure's own message, which the manager's loop guard signs.
 */
export function diagnose(r: FailureReport, memory: DoctorMemory, maxCalls: number): Diagnosis {
  const failureClass = classifyFailure(r);
  const signature = errorSignature(r.message, r.stepKind);
  const repeated = memory.signatures.includes(signature);
  const next = (changes: Partial<DoctorMemory>): DoctorMemory => ({
    ...memory,
    ...changes,
    calls: memory.calls + 1,
    signatures: [...memory.signatures, signature].slice(-20),
  });
  const fail = (why?: string): Diagnosis => ({
    failureClass,
    signature,
    action: {
      action: 'mark_failed',
      failure: {
        code: FAILURE_CODES[failureClass],
        message: clip(why ? `${why}: ${r.message}` : r.message, 2000),
      },
    },
    memory: next({}),
  });
  const act = (action: DoctorAction, changes: Partial<DoctorMemory> = {}): Diagnosis => ({
    failureClass,
    signature,
    action,
    memory: next(changes),
  });
  const hint = (text: string): DoctorAction => ({ action: 'retry_with_hint', hint: text });
  const escalate = (text: string): Diagnosis =>
    act({ action: 'escalate_model', hint: text }, { escalated: true });

  if (memory.calls >= maxCalls) return fail(`gave up after ${memory.calls} doctor calls`);
  const detail = clip(r.message, 1500);
  switch (failureClass) {
    case 'infrastructure':
      return fail();
    case 'model_error':
      return memory.escalated ? fail() : escalate('The previous model call failed; continue the task.');
    case 'command_denied':
      return repeated
        ? fail('denied again')
        : act(
            hint(
              `Policy denied this: ${detail}\nDo not try it again; reach the goal another way, inside the task's scope.`,
            ),
          );
    case 'timeout':
      if (!repeated) return act(hint(`This timed out: ${detail}\nRun something narrower or faster.`));
      return memory.escalated ? fail('timed out again') : escalate(`It timed out again: ${detail}`);
    case 'patch_does_not_apply':
      if (!repeated)
        return act(
          hint(
            `The edit was refused: ${detail}\nView the file's current lines first and copy the text to replace exactly.`,
          ),
        );
      if (!memory.escalated) return escalate(`The same edit was refused again: ${detail}`);
      if (!memory.executeFixUsed && r.paths && r.paths.length > 0)
        return act(
          {
            action: 'execute_fix',
            fix: { kind: 'restore_paths', paths: r.paths },
            hint: `${r.paths.join(', ')} were restored as the base commit has them; redo the change from there.`,
          },
          { executeFixUsed: true },
        );
      return fail('the edit kept failing');
    case 'test_failure':
      if (!repeated)
        return act(
          hint(`The quality gate failed:\n${detail}\nFix the cause, run the checks again, then call finish.`),
        );
      if (!memory.escalated) return escalate(`The same checks failed again:\n${detail}`);
      if (!memory.rolledBack)
        return act(
          {
            action: 'roll_back',
            to: 'last_checkpoint',
            hint: `The worktree was rolled back to the last checkpoint after the same failure three times:\n${detail}\nTake a different approach.`,
          },
          { rolledBack: true },
        );
      return fail('the same checks kept failing');
    case 'gate_rejected': {
      const stray = (r.gate?.reasons ?? [])
        .filter((x) => x.code === 'OUT_OF_SCOPE' || x.code === 'PROTECTED_PATH')
        .flatMap((x) => x.paths ?? []);
      if (stray.length > 0 && !memory.executeFixUsed)
        return act(
          {
            action: 'execute_fix',
            fix: { kind: 'restore_paths', paths: stray },
            hint: `Changes outside the task's scope were undone (${stray.join(', ')}). Only change files inside the scope, then call finish.`,
          },
          { executeFixUsed: true },
        );
      // The fix may have taken the first refusal: one hint still comes before giving up.
      const seen = memory.signatures.filter((s) => s === signature).length;
      if (seen < 2)
        return act(hint(`The quality gate refused the result:\n${detail}\nFix it, then call finish.`));
      return fail('the gate refused the same result again');
    }
    default:
      return assertNever(failureClass);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected failure class ${String(value)}`);
}
