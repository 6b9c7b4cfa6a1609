import type { TaskSpec } from '@autopilot/contracts';
import { matchesAny } from './path-glob';

/** A file the run changed against its base commit. */
export interface ChangedFile {
  readonly path: string;
  readonly insertions: number;
  readonly deletions: number;
}

/** A command the run ran, as the gate weighs it. */
export interface GateCommand {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Ran after the run's last edit: its verdict is about the worktree as it is now. */
  readonly afterLastEdit: boolean;
  /** The end of its output, for the reasons and the doctor's hint. */
  readonly outputTail: string;
}

export interface GateLimits {
  readonly maxFilesChanged: number;
  /** Insertions plus deletions. */
  readonly maxChangedLines: number;
}

/** Everything the gate decides from: facts gathered by the run, never its own claim. */
export interface GateFacts {
  readonly task: Pick<TaskSpec, 'scopePaths' | 'validationCommands' | 'acceptanceCriteria'>;
  readonly protectedPaths: readonly string[];
  /** Paths a person approved writing (governance allowed them through an approval): not a protected-path failure. */
  readonly approvedPaths?: readonly string[];
  readonly changedFiles: readonly ChangedFile[];
  /** The run's unified diff against its base commit. */
  readonly patch: string;
  /** Every command the run ran, oldest first (validation commands among them). */
  readonly commands: readonly GateCommand[];
  readonly limits: GateLimits;
}

export const GATE_REASON_CODES = [
  'NO_CHANGES',
  'VALIDATION_NOT_RUN',
  'VALIDATION_FAILED',
  'OUT_OF_SCOPE',
  'PROTECTED_PATH',
  'TOO_LARGE',
  'CONFLICT_MARKERS',
] as const;
export type GateReasonCode = (typeof GATE_REASON_CODES)[number];

export interface GateReason {
  readonly code: GateReasonCode;
  readonly message: string;
  /** The paths at fault (scope, protected paths, conflict markers). */
  readonly paths?: readonly string[];
  /** VALIDATION_*: the command at fault. */
  readonly argv?: readonly string[];
}

/** An acceptance criterion and what checked it: a command that passed, or nothing (said plainly). */
export interface CriterionEvidence {
  readonly criterion: string;
  /** The command that checked it, or undefined: not machine-checked. */
  readonly checkedBy: readonly string[] | undefined;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly reasons: readonly GateReason[];
  readonly criteria: readonly CriterionEvidence[];
}

const MARKER = /^(<{7}|>{7})(?: |$)/;
const SEPARATOR = /^={7}$/;

/** Changed files holding conflict markers in lines the run added, by path. */
export function conflictMarkerPaths(patch: string): string[] {
  const found = new Set<string>();
  let file: string | undefined;
  let opened = false;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim();
      file = target === '/dev/null' ? undefined : target.replace(/^b\//, '');
      opened = false;
    } else if (file && line.startsWith('+')) {
      const added = line.slice(1);
      if (MARKER.test(added)) {
        opened = true;
        found.add(file);
      } else if (opened && SEPARATOR.test(added)) found.add(file);
    }
  }
  return [...found];
}

const sameArgv = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const TEST_RUNNER = /test|jest|vitest|mocha|pytest|ava|tap/i;
const BUILD_TOOL = /build|tsc|compile|lint|eslint|check|cargo|make/i;

/**
 * What checked a criterion: a passing command (after the last edit) the criterion names, or a test
 * runner for a criterion about tests, or a build or lint tool for one about building or linting.
 * Anything else is not machine-checked, and the run says so rather than claiming it.
 */
export function evidenceFor(criterion: string, commands: readonly GateCommand[]): CriterionEvidence {
  const passing = commands.filter((c) => c.afterLastEdit && c.exitCode === 0 && !c.timedOut);
  const text = criterion.toLowerCase();
  const named = passing.find((c) => text.includes(c.argv.join(' ').toLowerCase()));
  const byTopic =
    named ??
    (/\btests?\b|\bspecs?\b/.test(text)
      ? passing.find((c) => c.argv.some((a) => TEST_RUNNER.test(a)))
      : undefined) ??
    (/\b(build|builds|compiles?|type-?checks?|lint)/.test(text)
      ? passing.find((c) => c.argv.some((a) => BUILD_TOOL.test(a)))
      : undefined);
  return { criterion, checkedBy: byTopic?.argv };
}

/**
 * The quality gate ("done is a claim"): the model's `finish` does not make a run succeed, this does.
 * It passes when the run changed something, every validation command of the task ran after the
 * last edit and exited 0, every changed path is inside the task's scope (no scope listed: no limit)
 * and outside the protected paths, the change is within the size limits, and no added line is a
 * conflict marker. Acceptance criteria never fail it: each is listed with its evidence or as not
 * machine-checked, for the reviewer.
 */
export function decideGate(f: GateFacts): GateVerdict {
  const reasons: GateReason[] = [];
  const paths = f.changedFiles.map((c) => c.path);
  if (paths.length === 0) reasons.push({ code: 'NO_CHANGES', message: 'the run changed no file' });
  for (const argv of f.task.validationCommands) {
    const last = [...f.commands].reverse().find((c) => sameArgv(c.argv, argv));
    const shown = argv.join(' ');
    if (!last || !last.afterLastEdit) {
      reasons.push({
        code: 'VALIDATION_NOT_RUN',
        message: `\`${shown}\` did not run after the last edit`,
        argv,
      });
    } else if (last.timedOut || last.exitCode !== 0) {
      const how = last.timedOut ? 'timed out' : `exited ${last.exitCode ?? 'by a signal'}`;
      const tail = last.outputTail.trim().slice(-600);
      reasons.push({
        code: 'VALIDATION_FAILED',
        message: `\`${shown}\` ${how}${tail ? `: ${tail}` : ''}`,
        argv,
      });
    }
  }
  const outOfScope =
    f.task.scopePaths.length > 0 ? paths.filter((p) => !matchesAny(p, f.task.scopePaths)) : [];
  if (outOfScope.length > 0) {
    reasons.push({
      code: 'OUT_OF_SCOPE',
      message: `changed outside the task's scope (${f.task.scopePaths.join(', ')}): ${outOfScope.join(', ')}`,
      paths: outOfScope,
    });
  }
  const approved = new Set(f.approvedPaths ?? []);
  const guarded = paths.filter((p) => matchesAny(p, f.protectedPaths) && !approved.has(p));
  if (guarded.length > 0) {
    reasons.push({
      code: 'PROTECTED_PATH',
      message: `changed protected paths: ${guarded.join(', ')}`,
      paths: guarded,
    });
  }
  const lines = f.changedFiles.reduce((n, c) => n + c.insertions + c.deletions, 0);
  if (paths.length > f.limits.maxFilesChanged || lines > f.limits.maxChangedLines) {
    reasons.push({
      code: 'TOO_LARGE',
      message: `${paths.length} files and ${lines} lines changed; the limits are ${f.limits.maxFilesChanged} files and ${f.limits.maxChangedLines} lines`,
    });
  }
  const marked = conflictMarkerPaths(f.patch);
  if (marked.length > 0) {
    reasons.push({
      code: 'CONFLICT_MARKERS',
      message: `conflict markers added in ${marked.join(', ')}`,
      paths: marked,
    });
  }
  const criteria = (f.task.acceptanceCriteria ?? []).map((c) => evidenceFor(c, f.commands));
  return { passed: reasons.length === 0, reasons, criteria };
}

/** The gate's verdict in words: the reasons, then each criterion with its evidence. */
export function describeVerdict(v: GateVerdict): string {
  const head = v.passed ? 'gate passed' : `gate failed: ${v.reasons.map((r) => r.message).join('; ')}`;
  const criteria = v.criteria.map(
    (c) =>
      `- ${c.criterion}: ${c.checkedBy ? `checked by \`${c.checkedBy.join(' ')}\`` : 'not machine-checked'}`,
  );
  return [head, ...criteria].join('\n');
}

/**
 * The confidence a succeeded run reports: the model's own, weighed down by the share of acceptance
 * criteria nothing checked (half of it at worst), so a reviewer sees how much rests on its word.
 */
export function reportedConfidence(claimed: number, criteria: readonly CriterionEvidence[]): number {
  const c = Math.min(1, Math.max(0, claimed));
  if (criteria.length === 0) return c;
  const checked = criteria.filter((x) => x.checkedBy).length / criteria.length;
  return Math.round(c * (0.5 + 0.5 * checked) * 1000) / 1000;
}

/** The gate's checks by name, as `run.finished` carries them (and the manager's pause rules name them). */
export const GATE_CHECKS: Readonly<Record<GateReasonCode, string>> = {
  NO_CHANGES: 'changes',
  VALIDATION_NOT_RUN: 'tests',
  VALIDATION_FAILED: 'tests',
  OUT_OF_SCOPE: 'scope',
  PROTECTED_PATH: 'protected_paths',
  TOO_LARGE: 'diff_size',
  CONFLICT_MARKERS: 'conflict_markers',
};

/** Every check of the gate, passed or not, with what a failed one found. */
export function gateChecks(v: GateVerdict): { name: string; passed: boolean; detail?: string }[] {
  const names = [...new Set(Object.values(GATE_CHECKS))];
  return names.map((name) => {
    const failed = v.reasons.filter((r) => GATE_CHECKS[r.code] === name);
    return failed.length === 0
      ? { name, passed: true }
      : {
          name,
          passed: false,
          detail: failed
            .map((r) => r.message)
            .join('; ')
            .slice(0, 1000),
        };
  });
}
