import type { BudgetCaps } from '@autopilot/contracts';
import { Git } from '@autopilot/git';
import { spendNow } from './start-progress';
import { suggestMergeOrder, type ReviewBranch } from './merge-order';
import type { StartState } from './start-read-model';
import type { StartReport } from './start-report';

const WAITING_STATUSES = new Set(['awaiting_approval']);
const FAILED_STATUSES = new Set(['failed', 'cancelled']);

/** The report of a start from what the services announced and what the branches hold. */
export async function startReportOf(opts: {
  readonly projectId: string;
  readonly state: StartState;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly baseCommit?: string;
  readonly budgets: BudgetCaps;
  /** The local day (`YYYY-MM-DD` in the project's time zone) whose spend the report counts; default today. */
  readonly date?: string;
}): Promise<StartReport> {
  const { state } = opts;
  const git = new Git(opts.repo);
  const tasks = [...state.tasks.values()].sort((a, b) => a.id.localeCompare(b.id));
  const completed: StartReport['completed'][number][] = [];
  const branches: ReviewBranch[] = [];
  for (const task of tasks.filter((t) => t.status === 'succeeded')) {
    const run = state.finished.get(task.id);
    const branch = run?.branch ?? task.branch;
    if (!branch) continue;
    const tests = run && run.tests.passed + run.tests.failed > 0 ? run.tests : undefined;
    completed.push({
      taskId: task.id,
      title: task.title,
      branch,
      costUsd: run?.costUsd ?? 0,
      ...(tests ? { tests: { passed: tests.passed, failed: tests.failed } } : {}),
    });
    const files = await git
      .raw(['diff', '--name-only', `${opts.defaultBranch}...${branch}`])
      .then((out) => out.split('\n').filter((f) => f.length > 0))
      .catch(() => []);
    branches.push({ taskId: task.id, branch, dependsOn: task.dependsOn, files });
  }
  // An approval waits for a person while its task does (a run the raised cap resumed needs it no more).
  const waiting = [...state.approvals.values()].filter(
    (a) =>
      a.status === 'pending' &&
      (a.taskId === undefined || state.tasks.get(a.taskId)?.status === 'awaiting_approval'),
  );
  const stoppedBy = budgetStopOf(state, waiting);
  return {
    projectId: opts.projectId,
    ...(opts.baseCommit ? { baseCommit: opts.baseCommit } : {}),
    completed,
    waiting: waiting.map((a) => ({
      approvalId: a.id,
      ...(a.taskId ? { taskId: a.taskId } : {}),
      action: a.action.summary ?? `${a.action.kind} ${a.action.paths.join(', ')}`,
      reasons: a.reasons,
    })),
    failed: tasks
      .filter((t) => FAILED_STATUSES.has(t.status))
      .map((t) => ({ taskId: t.id, title: t.title, reason: t.failure?.message ?? t.status })),
    unfinished: tasks
      .filter((t) => !['succeeded', 'skipped'].includes(t.status) && !FAILED_STATUSES.has(t.status))
      .filter(
        (t) =>
          !WAITING_STATUSES.has(t.status) ||
          ![...state.approvals.values()].some((a) => a.taskId === t.id && a.status === 'pending'),
      )
      .map((t) => ({ taskId: t.id, title: t.title, status: t.status })),
    spend: spendNow(state, opts.budgets, opts.date),
    ...(stoppedBy ? { stoppedBy } : {}),
    mergeOrder: suggestMergeOrder(branches),
  };
}

/**
 * The budget that stopped the work, in words: the project's pause by a daily or weekly cap (its
 * reason names the cap and the amounts), or the runs waiting at their own cap for "continue with $X
 * more".
 */
function budgetStopOf(
  state: StartState,
  waiting: readonly { action: { kind: string; summary?: string } }[],
): string | undefined {
  const pause = state.project?.paused ? state.project.pause : undefined;
  if (pause?.kind === 'budget') return pause.reason;
  const extensions = waiting.filter((a) => a.action.kind === 'budget_extension');
  if (extensions.length === 0) return undefined;
  const cap = state.project ? ` of $${state.project.budgets.runUsd.toFixed(2)}` : '';
  return `the run budget${cap} was reached by ${extensions.length} run${extensions.length === 1 ? '' : 's'}: approve "continue with more" or raise --run-budget`;
}
