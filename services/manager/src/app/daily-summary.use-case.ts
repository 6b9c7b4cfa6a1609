import { Inject, Injectable } from '@nestjs/common';
import { ProjectDaySummarizedV1, type Project } from '@autopilot/contracts';
import { addDays, Clock, formatLocalDate, hasCode, localDateAt } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import {
  buildDailySummary,
  parseLocalDate,
  projectDay,
  projectDayAt,
  timezoneOf,
  type ProjectDay,
} from '../domain/daily-summary/daily-summary';
import { UnknownProjectError } from '../domain/project/project-errors';
import {
  DailySummaryRepository,
  LearningRepository,
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
} from './ports';

/** Days a manager that was down for longer catches up on; older ones are skipped (and logged). */
export const MAX_CATCH_UP_DAYS = 7;

/**
 * Daily summaries (domain/daily-summary): `current` makes the summary of a project's day so far
 * (stored nowhere, announced to nobody); `rollover`, called after every tick, finds each project
 * whose local day ended since it was last summarized and, per ended day, stores its final summary
 * and appends `project.day_summarized` in one transaction that moves the project's cursor past
 * that day (compare-and-set: a second manager, or a retry, summarizes nothing twice). Until a day
 * ends it costs no read: each project's end of day is kept in memory.
 */
@Injectable()
export class DailySummaryUseCase {
  /** Per project, the instant (ms) its current local day ends: nothing to do before it. */
  private readonly dayEnds = new Map<string, number>();

  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(DailySummaryRepository) private readonly summaries: DailySummaryRepository,
    @Inject(LearningRepository) private readonly learning: LearningRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  /** The summary of the project's current day so far. @throws UnknownProjectError */
  async current(projectId: string): Promise<ProjectDaySummarizedV1> {
    const stored = await this.projects.get(projectId);
    if (!stored) throw new UnknownProjectError(projectId, 'daily summary');
    const now = this.clock.now();
    return this.summarize(stored.value.project, projectDayAt(stored.value.project, now), now);
  }

  /** The stored final summary of a past day (YYYY-MM-DD), or null. */
  stored(projectId: string, date: string): Promise<ProjectDaySummarizedV1 | null> {
    return this.summaries.get(projectId, date);
  }

  /** Summarizes and announces every project day that ended and was not summarized yet; returns those summaries. */
  async rollover(): Promise<ProjectDaySummarizedV1[]> {
    const now = this.clock.now();
    const made: ProjectDaySummarizedV1[] = [];
    for (const { value } of await this.projects.list()) {
      const { project } = value;
      if ((this.dayEnds.get(project.id) ?? 0) > now) continue;
      try {
        made.push(...(await this.rolloverProject(project, now)));
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT')) throw err;
        // Another manager (or a concurrent tick) moved the cursor: the next tick looks again.
        continue;
      }
      this.dayEnds.set(project.id, projectDayAt(project, now).to);
    }
    return made;
  }

  private async rolloverProject(project: Project, now: number): Promise<ProjectDaySummarizedV1[]> {
    const zone = timezoneOf(project);
    const today = formatLocalDate(localDateAt(zone, now));
    const cursor = await this.summaries.cursor(project.id);
    let next = cursor?.next ?? formatLocalDate(localDateAt(zone, Date.parse(project.createdAt)));
    let version = cursor?.version ?? 0;
    if (next >= today) return [];
    const oldest = formatLocalDate(addDays(localDateAt(zone, now), -MAX_CATCH_UP_DAYS));
    if (next < oldest) {
      this.log.warn('daily summaries skipped: the manager was away longer than it catches up on', {
        projectId: project.id,
        from: next,
        to: oldest,
      });
      next = oldest;
    }
    const made: ProjectDaySummarizedV1[] = [];
    while (next < today) {
      const date = parseLocalDate(next);
      const summary = await this.summarize(project, projectDay(zone, date), now);
      const after = formatLocalDate(addDays(date, 1));
      await this.summaries.advance(project.id, summary, after, version, [
        this.envelopes.build(ProjectDaySummarizedV1, summary, {
          correlationId: `day-${project.id}-${summary.date}`,
        }),
      ]);
      this.log.info('daily summary', {
        projectId: project.id,
        date: summary.date,
        headline: summary.headline,
      });
      made.push(summary);
      next = after;
      version += 1;
    }
    return made;
  }

  private async summarize(project: Project, day: ProjectDay, now: number): Promise<ProjectDaySummarizedV1> {
    const graph = await this.graphs.load(project.id);
    const endedRuns = await this.summaries.runsEndedBetween(
      project.id,
      new Date(day.from).toISOString(),
      new Date(day.to).toISOString(),
    );
    const openRuns = (await this.graphs.runsIn(project.id, ['pending', 'running', 'suspended'])).map(
      (r) => r.value,
    );
    const learned = await this.learning.tasks(project.id, [...new Set(endedRuns.map((r) => r.taskId))]);
    return buildDailySummary({
      project,
      day,
      tasks: [...graph.tasks.values()].map((t) => t.value),
      endedRuns,
      openRuns,
      taskCostUsd: new Map([...learned].map(([id, l]) => [id, l.costUsd])),
      now,
    });
  }
}
