import { inert } from '../terminal-text';
import type { MergeStep } from './merge-order';

/** What `autopilot start` (and `autopilot report`) tell a person at the end. */
export interface StartReport {
  readonly projectId: string;
  /** The commit of the repository the runs started from. */
  readonly baseCommit?: string;
  readonly completed: readonly {
    readonly taskId: string;
    readonly title: string;
    readonly branch: string;
    readonly costUsd: number;
    /** undefined: the run's tests did not run (said, never hidden). */
    readonly tests?: { readonly passed: number; readonly failed: number };
  }[];
  readonly waiting: readonly {
    readonly approvalId: string;
    readonly taskId?: string;
    /** What approving it would do, in words. */
    readonly action: string;
    readonly reasons: readonly string[];
  }[];
  readonly failed: readonly { readonly taskId: string; readonly title: string; readonly reason: string }[];
  /** Tasks not finished and not waiting for a person (queued, blocked behind a failure, a budget). */
  readonly unfinished: readonly {
    readonly taskId: string;
    readonly title: string;
    readonly status: string;
  }[];
  readonly spend: readonly {
    readonly budget: 'run' | 'daily' | 'weekly';
    readonly spentUsd: number;
    readonly capUsd: number;
  }[];
  /** A budget that stopped the work, in words ("the daily cap of $1.00 was reached"). */
  readonly stoppedBy?: string;
  readonly mergeOrder: readonly MergeStep[];
}

/** How `start` ends (issue 16): 0 all done, 3 waiting for a person (approval or budget), 1 a failure. */
export function exitCodeOf(report: StartReport): 0 | 1 | 3 {
  if (report.failed.length > 0) return 1;
  if (report.waiting.length > 0 || report.stoppedBy !== undefined || report.unfinished.length > 0) return 3;
  return 0;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** The report as lines of text; document and model text made inert for a terminal. */
export function renderStartReport(report: StartReport): string[] {
  const out: string[] = [];
  const total =
    report.completed.length + report.failed.length + report.unfinished.length + report.waiting.length;
  out.push(
    `Autopilot report for ${inert(report.projectId)}${report.baseCommit ? ` (from commit ${report.baseCommit.slice(0, 12)})` : ''}`,
  );
  out.push('');
  out.push(`Completed: ${report.completed.length}${total > 0 ? ` of ${total}` : ''}`);
  for (const c of report.completed) {
    const tests = c.tests
      ? `tests ${c.tests.passed} passed${c.tests.failed > 0 ? `, ${c.tests.failed} failed` : ''}`
      : 'tests did not run';
    out.push(`  ✓ ${inert(c.taskId)}: ${inert(c.title)}`);
    out.push(`      branch ${inert(c.branch)} · ${tests} · ${usd(c.costUsd)}`);
  }
  if (report.waiting.length > 0) {
    out.push('', `Waiting for you: ${report.waiting.length}`);
    for (const w of report.waiting) {
      out.push(
        `  ? approval ${inert(w.approvalId)}${w.taskId ? ` (task ${inert(w.taskId)})` : ''}: ${inert(w.action)}`,
      );
      for (const r of w.reasons) out.push(`      because ${inert(r)}`);
    }
  }
  if (report.failed.length > 0) {
    out.push('', `Failed: ${report.failed.length}`);
    for (const f of report.failed)
      out.push(`  ✗ ${inert(f.taskId)}: ${inert(f.title)}`, `      ${inert(f.reason)}`);
  }
  if (report.unfinished.length > 0) {
    out.push('', `Not finished: ${report.unfinished.length}`);
    for (const u of report.unfinished) out.push(`  · ${inert(u.taskId)}: ${inert(u.title)} (${u.status})`);
  }
  out.push('', 'Spend:');
  for (const s of report.spend) {
    out.push(`  ${s.budget.padEnd(6)} ${usd(s.spentUsd)} of ${usd(s.capUsd)}`);
  }
  if (report.stoppedBy) out.push(`  stopped: ${inert(report.stoppedBy)}`);
  if (report.mergeOrder.length > 0) {
    out.push('', 'Suggested merge order (review each branch; Autopilot never merges):');
    report.mergeOrder.forEach((m, i) => out.push(`  ${i + 1}. ${inert(m.branch)}: ${m.reason}`));
  }
  return out;
}
