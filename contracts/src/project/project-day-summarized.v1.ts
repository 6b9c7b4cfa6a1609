import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { PauseKind } from './project-updated.v1';
import { Count, Id, Money, Text, Timestamp } from '../shared/primitives';
import { TestResults } from '../shared/usage';

const TaskTitle = Text(300, 'The task title');
/** Lists are bounded; the counts always carry the full numbers. */
const MAX_LISTED = 500;

/** A task completed that day and what it cost. */
export const SummaryCompleted = Type.Object(
  {
    taskId: Id('Task'),
    title: TaskTitle,
    runId: Id('The run that succeeded'),
    branch: Type.Optional(
      Type.String({ maxLength: 255, description: 'Branch holding the work, for review' }),
    ),
    costUsd: Money('What the task cost over all its runs'),
    attempts: Count('Runs the task took'),
    tests: Type.Optional(TestResults),
    testsRan: Type.Boolean({ description: 'False when the succeeding run ran no tests' }),
    note: Type.Optional(Text(300, 'What a reviewer must know: "tests did not run", "2 tests failed"')),
  },
  { description: 'A task that succeeded that day' },
);
export type SummaryCompleted = Static<typeof SummaryCompleted>;

export const SummaryFailed = Type.Object(
  {
    taskId: Id('Task'),
    title: TaskTitle,
    runId: Id('The run that failed'),
    reason: Text(300, 'Why, in one sentence'),
    willRetry: Type.Boolean({ description: 'The task goes on (retry); false: it failed for good' }),
  },
  { description: 'A task whose last run that day failed' },
);
export type SummaryFailed = Static<typeof SummaryFailed>;

export const SummaryRunning = Type.Object(
  {
    taskId: Id('Task'),
    title: TaskTitle,
    runId: Id('Run'),
    status: Type.Union([Type.Literal('queued'), Type.Literal('running')]),
    steps: Count('Steps recorded so far'),
    costUsd: Money('Spent so far'),
    startedAt: Type.Optional(Timestamp('When a worker started it')),
  },
  { description: 'A run in flight when the summary was made, with its progress' },
);
export type SummaryRunning = Static<typeof SummaryRunning>;

export const SummaryTaskRef = Type.Object(
  { taskId: Id('Task'), title: TaskTitle },
  { description: 'A task' },
);
export type SummaryTaskRef = Static<typeof SummaryTaskRef>;

export const ProjectDaySummarizedV1 = defineMessage({
  kind: 'event',
  aggregate: 'project',
  name: 'day_summarized',
  version: 1,
  producer: 'manager',
  consumers: ['gateway'],
  summary:
    "A project's calendar day (in its time zone) ended: what completed with cost, failed and why, is paused, runs, waits; cost against the daily cap.",
  data: Type.Object({
    projectId: Id('Project'),
    date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'The local date, YYYY-MM-DD' }),
    timezone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "The project's IANA zone (UTC without a schedule)",
    }),
    from: Timestamp('First instant of the day'),
    to: Timestamp('First instant of the next day'),
    final: Type.Boolean({ description: 'True once the day ended; false for a summary of the day so far' }),
    generatedAt: Timestamp('When the summary was made; running, queued and waiting are as of then'),
    headline: Text(500, 'One line for a person'),
    completed: Type.Array(SummaryCompleted, { maxItems: MAX_LISTED }),
    failed: Type.Array(SummaryFailed, { maxItems: MAX_LISTED }),
    paused: Type.Optional(
      Type.Object(
        {
          kind: PauseKind,
          reason: Text(2000, 'Why the project is paused'),
          decisionNeeded: Text(1000, 'What a person must decide or do to let it go on'),
          since: Timestamp('When it paused'),
        },
        { description: 'The project is paused' },
      ),
    ),
    running: Type.Array(SummaryRunning, { maxItems: MAX_LISTED }),
    queued: Type.Array(SummaryTaskRef, { maxItems: MAX_LISTED, description: 'Ready or queued, not started' }),
    awaitingApproval: Type.Array(SummaryTaskRef, {
      maxItems: MAX_LISTED,
      description: 'Tasks waiting for a person (as far as the manager knows)',
    }),
    counts: Type.Object(
      {
        completed: Count('Tasks completed that day'),
        failed: Count('Tasks whose last run that day failed'),
        running: Count('Runs in flight'),
        queued: Count('Tasks ready or queued'),
        awaitingApproval: Count('Tasks awaiting approval'),
      },
      { description: 'Full numbers (the lists stop at 500)' },
    ),
    cost: Type.Object(
      {
        spentUsd: Money('Runs that ended that day plus what runs in flight spent so far'),
        dailyCapUsd: Money("The project's daily cap"),
      },
      {
        description:
          "The day's cost against the cap, as the manager knows it (governance's ledger is the authority)",
      },
    ),
  }),
});
export type ProjectDaySummarizedV1 = Static<typeof ProjectDaySummarizedV1.data>;
