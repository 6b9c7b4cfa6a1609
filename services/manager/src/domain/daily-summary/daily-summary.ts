import type {
  Project,
  ProjectDaySummarizedV1,
  Run,
  SummaryCompleted,
  SummaryFailed,
  SummaryRunning,
  SummaryTaskRef,
  Task,
  TestResults,
} from '@autopilot/contracts';
import { addDays, formatLocalDate, localDateAt, startOfLocalDate, type LocalDate } from '@autopilot/kernel';

/** The lists of a summary stop here; its counts carry the full numbers. */
export const MAX_LISTED = 500;

/** A project's calendar day in its time zone (the schedule's, else UTC, as governance's budgets). */
export interface ProjectDay {
  readonly timezone: string;
  readonly date: LocalDate;
  /** First instant of the day and of the next one (ms). */
  readonly from: number;
  readonly to: number;
}

export const timezoneOf = (project: Project): string => project.schedule?.timezone ?? 'UTC';

/** The project's day that holds instant `at`. */
export function projectDayAt(project: Project, at: number): ProjectDay {
  return projectDay(timezoneOf(project), localDateAt(timezoneOf(project), at));
}

/** `2026-03-29` → its LocalDate. */
export function parseLocalDate(text: string): LocalDate {
  const [year, month, day] = text.split('-').map(Number);
  return { year: year ?? 1970, month: month ?? 1, day: day ?? 1 };
}

export function projectDay(timezone: string, date: LocalDate): ProjectDay {
  return {
    timezone,
    date,
    from: startOfLocalDate(timezone, date),
    to: startOfLocalDate(timezone, addDays(date, 1)),
  };
}

export interface DailySummaryInput {
  readonly project: Project;
  readonly day: ProjectDay;
  /** Every task of the project, as stored now. */
  readonly tasks: readonly Task[];
  /** The project's runs that ended within the day. */
  readonly endedRuns: readonly Run[];
  /** The project's runs pending, running or suspended now. */
  readonly openRuns: readonly Run[];
  /** What each task cost over all its runs, where known (learning signals). */
  readonly taskCostUsd: ReadonlyMap<string, number>;
  /** When the summary is made (ms). */
  readonly now: number;
}

/**
 * A project's day as a person should read it the next morning. Honest by construction:
 *
 * - completed: only tasks whose status is `succeeded` now and whose succeeding run (the task's
 *   last) ended within the day: a failure, a cancellation or a success a plan revision undid since
 *   is never listed as done. A run that recorded no test (none passed, failed or skipped, or no
 *   results) says "tests did not run"; one with failing tests says how many failed.
 * - failed: each task whose last run ending within the day failed or was rolled back, with the
 *   first sentence of its failure, and whether it goes on (retry) or failed for good.
 * - running, queued and awaiting approval are as of `now`; cost is the runs that ended within the
 *   day plus what runs still open spent so far (for a day that is over: as of when it was made).
 */
export function buildDailySummary(input: DailySummaryInput): ProjectDaySummarizedV1 {
  const { project, day, tasks, now } = input;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const lastEnded = new Map<string, Run>();
  for (const run of [...input.endedRuns].sort(byEnd)) lastEnded.set(run.taskId, run);

  const completed: SummaryCompleted[] = [];
  const failed: SummaryFailed[] = [];
  for (const [taskId, run] of [...lastEnded].sort(([a], [b]) => compare(a, b))) {
    const task = byId.get(taskId);
    if (!task) continue;
    if (run.status === 'succeeded' && task.status === 'succeeded' && task.lastRunId === run.id) {
      completed.push(completedEntry(task, run, input.taskCostUsd.get(taskId)));
    } else if (run.status === 'failed' || run.status === 'rolled_back') {
      failed.push({
        taskId,
        title: task.title,
        runId: run.id,
        reason: oneSentence(run.failure?.message ?? `the run was ${statusWords(run.status)}`),
        willRetry: task.status !== 'failed' && task.status !== 'cancelled' && task.status !== 'skipped',
      });
    }
  }

  const runsById = new Map(input.openRuns.map((r) => [r.id, r]));
  const running: SummaryRunning[] = [];
  const queued: SummaryTaskRef[] = [];
  const awaitingApproval: SummaryTaskRef[] = [];
  for (const task of [...tasks].sort((a, b) => compare(a.id, b.id))) {
    const run = task.currentRunId !== undefined ? runsById.get(task.currentRunId) : undefined;
    if (task.status === 'awaiting_approval') awaitingApproval.push(ref(task));
    else if (task.status === 'running' && run) running.push(runningEntry(task, run, 'running'));
    else if (task.status === 'queued' && run?.status === 'running')
      running.push(runningEntry(task, run, 'running'));
    else if (task.status === 'ready' || task.status === 'queued') queued.push(ref(task));
  }

  const cents = (usd: number): number => Math.round(usd * 1_000_000) / 1_000_000;
  let spent = 0;
  for (const r of input.endedRuns) spent += safe(r.costUsd);
  for (const r of input.openRuns) spent += safe(r.costUsd);
  const pause = project.paused ? project.pause : undefined;
  const summary: ProjectDaySummarizedV1 = {
    projectId: project.id,
    date: formatLocalDate(day.date),
    timezone: day.timezone,
    from: new Date(day.from).toISOString(),
    to: new Date(day.to).toISOString(),
    final: now >= day.to,
    generatedAt: new Date(now).toISOString(),
    headline: '',
    completed: completed.slice(0, MAX_LISTED),
    failed: failed.slice(0, MAX_LISTED),
    ...(project.paused
      ? {
          paused: {
            kind: pause?.kind ?? 'manual',
            reason: pause?.reason ?? 'paused',
            decisionNeeded: pause?.unblock ?? 'resume the project when it should go on',
            since: pause?.since ?? project.updatedAt,
          },
        }
      : {}),
    running: running.slice(0, MAX_LISTED),
    queued: queued.slice(0, MAX_LISTED),
    awaitingApproval: awaitingApproval.slice(0, MAX_LISTED),
    counts: {
      completed: completed.length,
      failed: failed.length,
      running: running.length,
      queued: queued.length,
      awaitingApproval: awaitingApproval.length,
    },
    cost: { spentUsd: cents(spent), dailyCapUsd: project.budgets.dailyUsd },
  };
  return { ...summary, headline: headline(summary) };
}

/** Whether a run's test results show that tests ran. */
export function testsRan(tests: TestResults | undefined): boolean {
  return tests !== undefined && tests.passed + tests.failed + (tests.skipped ?? 0) > 0;
}

/**
 * The first sentence of `message`, on one line, at most 300 characters: "npm test exited 1. Then …"
 * → "npm test exited 1." An empty message reads "no reason given".
 */
export function oneSentence(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  if (line === '') return 'no reason given';
  const end = /[.!?](\s|$)/.exec(line);
  const sentence = end ? line.slice(0, end.index + 1) : line;
  return sentence.length <= 300 ? sentence : `${sentence.slice(0, 299)}…`;
}

function completedEntry(task: Task, run: Run, taskCost: number | undefined): SummaryCompleted {
  const ran = testsRan(run.tests);
  const failing = run.tests?.failed ?? 0;
  const note = !ran
    ? 'tests did not run'
    : failing > 0
      ? `${failing} test${failing === 1 ? '' : 's'} failed`
      : undefined;
  return {
    taskId: task.id,
    title: task.title,
    runId: run.id,
    ...(task.branch !== undefined ? { branch: task.branch } : {}),
    costUsd: safe(taskCost ?? run.costUsd),
    attempts: task.attempts,
    ...(run.tests ? { tests: run.tests } : {}),
    testsRan: ran,
    ...(note ? { note } : {}),
  };
}

function runningEntry(task: Task, run: Run, status: 'queued' | 'running'): SummaryRunning {
  return {
    taskId: task.id,
    title: task.title,
    runId: run.id,
    status,
    steps: run.steps,
    costUsd: safe(run.costUsd),
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
  };
}

function headline(s: ProjectDaySummarizedV1): string {
  const parts: string[] = [];
  const untested = s.completed.filter((c) => !c.testsRan).length;
  parts.push(`${s.counts.completed} completed${untested > 0 ? ` (tests did not run for ${untested})` : ''}`);
  if (s.counts.failed > 0) parts.push(`${s.counts.failed} failed`);
  if (s.counts.running > 0) parts.push(`${s.counts.running} running`);
  if (s.counts.queued > 0) parts.push(`${s.counts.queued} queued`);
  if (s.counts.awaitingApproval > 0) parts.push(`${s.counts.awaitingApproval} awaiting approval`);
  if (s.paused) parts.push(`paused: ${oneSentence(s.paused.reason)}`);
  parts.push(`$${s.cost.spentUsd.toFixed(2)} of $${s.cost.dailyCapUsd.toFixed(2)}`);
  const text = parts.join(', ');
  return text.length <= 500 ? text : `${text.slice(0, 499)}…`;
}

const ref = (t: Task): SummaryTaskRef => ({ taskId: t.id, title: t.title });
const safe = (usd: number): number => (Number.isFinite(usd) && usd > 0 ? usd : 0);
const endOf = (r: Run): number => Date.parse(r.finishedAt ?? r.updatedAt);
const byEnd = (a: Run, b: Run): number => endOf(a) - endOf(b) || compare(a.id, b.id);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const statusWords = (s: Run['status']): string => s.replace('_', ' ');
