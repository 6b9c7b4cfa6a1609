import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { nextTurn } from '@autopilot/kernel';
import {
  IngestionProgressV1,
  PlanGeneratedV1,
  PlanGeneratedV2,
  TasksGeneratedV1,
  TasksGeneratedV2,
  planGeneratedChange,
  tasksGeneratedChange,
  type PlanNode,
  type TaskSpec,
} from '@autopilot/contracts';
import { tasksGenerated } from '@autopilot/testing';
import { PlanJobWatch, type JobEvents } from './plan-job-events';

/** A section of a blueprint as the tests edit it: its title, and how many characters and lines long. */
interface Section {
  key: string;
  title: string;
  chars: number;
  lines: number;
}

const PLAN_ID = 'plan-shop';

/**
 * Revision `revision` of the plan of `sections`, as the planner announces it whole (v1): a node and a
 * task per section, at the offsets and lines the sections before it give (a section that grows
 * moves everything after it).
 */
function revisionOf(
  sections: readonly Section[],
  revision: number,
  generatedAt: string,
): { plan: PlanGeneratedV1; tasks: TasksGeneratedV1 } {
  const nodes: PlanNode[] = [];
  const tasks: TaskSpec[] = [];
  let offset = 0;
  let line = 1;
  for (const s of sections) {
    nodes.push({
      id: `node-${s.key}`,
      kind: 'task_spec',
      title: s.title,
      start: offset,
      end: offset + s.chars,
      startLine: line,
      endLine: line + s.lines - 1,
      priority: nodes.length,
      risk: 'low',
      status: 'planned',
      taskIds: [`task-${s.key}`],
    });
    tasks.push({
      id: `task-${s.key}`,
      title: s.title,
      kind: 'code',
      planNodeId: `node-${s.key}`,
      dependsOn: tasks.length > 0 ? [tasks[tasks.length - 1]!.id] : [],
      scopePaths: [`src/${s.key}/**`],
      validationCommands: [['npm', 'test']],
      source: { startLine: line, endLine: line + s.lines - 1 },
    });
    offset += s.chars;
    line += s.lines;
  }
  const anchor = { id: 'anchor-shop', formatVersion: 1 as const, text: 'A shop that sells.', pivots: [] };
  return {
    plan: {
      planId: PLAN_ID,
      projectId: 'shop',
      blueprintId: 'bp-shop',
      blueprintVersion: revision,
      nodes,
      anchor,
      generatedAt,
      revision,
    },
    // Keys in the order the planner has them: what a v2 applied gives back.
    tasks: {
      projectId: 'shop',
      blueprintId: 'bp-shop',
      blueprintVersion: revision,
      planId: PLAN_ID,
      planRevision: revision,
      anchorId: anchor.id,
      anchor,
      tasks,
      generatedAt,
    },
  };
}

const SECTIONS: Section[] = [
  { key: 'cart', title: 'Build the cart', chars: 120, lines: 6 },
  { key: 'checkout', title: 'Build checkout', chars: 200, lines: 9 },
  { key: 'search', title: 'Build search', chars: 90, lines: 4 },
  { key: 'admin', title: 'Build the admin pages', chars: 300, lines: 12 },
];

/**
 * The sections edited: checkout grows (so search and admin move by the same offset and lines and
 * travel as kept runs), search is renamed, and a section is added.
 */
const EDITED: Section[] = [
  SECTIONS[0]!,
  { ...SECTIONS[1]!, chars: 260, lines: 11 },
  { ...SECTIONS[2]!, title: 'Build search with filters' },
  SECTIONS[3]!,
  { key: 'reports', title: 'Build the reports', chars: 80, lines: 3 },
];

const planned = (job: JobEvents) => (job.plan && job.tasks ? job : undefined);

describe('PlanJobWatch', () => {
  let bus: InProcessMessageBus;
  beforeEach(() => {
    bus = new InProcessMessageBus({ source: 'planner', log: () => undefined });
  });
  afterEach(() => bus.close());

  it("keeps a job's events until its caller forgets it, and nothing it announces after that", async () => {
    const watch = await PlanJobWatch.start(bus);
    const announce = (jobId: string, planRevision: number) =>
      bus.publish(TasksGeneratedV1, tasksGenerated('shop', [], { planRevision }), { correlationId: jobId });

    await announce('job-1', 1);
    await announce('job-2', 1);
    expect(await watch.until('job-1', (job) => job.tasks?.planRevision)).toBe(1);

    watch.forget('job-1');
    await announce('job-1', 2);
    await announce('job-2', 2);
    // job-2's second event is recorded, so job-1's (published before it) has been handled too.
    expect(await watch.until('job-2', (job) => (job.tasks?.planRevision === 2 ? 2 : undefined))).toBe(2);
    expect(await watch.until('job-1', (job) => job)).toEqual({});
  });

  it("takes a job's waiting progress events in one turn: its end is not held behind the rest", async () => {
    // Progress comes from ingestion (the bus checks who sends what).
    const ingestion = new InProcessMessageBus({ source: 'ingestion', log: () => undefined });
    try {
      const watch = await PlanJobWatch.start(ingestion);
      const progress = (phase: IngestionProgressV1['phase'], done: number) =>
        ingestion.publish(
          IngestionProgressV1,
          {
            jobId: 'job-1',
            projectId: 'shop',
            jobKind: 'blueprint',
            blueprintId: 'bp-shop',
            phase,
            done,
            total: 20,
            at: '2026-03-02T09:00:00.000Z',
            ...(phase === 'done' ? { ingested: { version: 3, digest: 'a'.repeat(64), wordCount: 120 } } : {}),
          },
          { correlationId: 'job-1' },
        );
      for (let done = 1; done < 20; done++) await progress('hashing', done);
      await progress('done', 20);
      // A busy process turns its event loop rarely (a planning holds it for most of a second): one
      // turn to dispatch, one for the handlers to settle, and the job's end is known.
      const ended = watch.until('job-1', (job) => job.ingested);
      const twoTurns = nextTurn()
        .then(nextTurn)
        .then(() => 'still waiting');
      expect(await Promise.race([ended, twoTurns])).toEqual({
        blueprintId: 'bp-shop',
        version: 3,
        digest: 'a'.repeat(64),
        wordCount: 120,
      });
    } finally {
      await ingestion.close();
    }
  });

  it('remembers the last thousand forgotten jobs, not every job of a long run', async () => {
    const watch = await PlanJobWatch.start(bus);
    for (let i = 0; i <= 1000; i++) watch.forget(`job-${i}`);
    // The oldest fell out of what is remembered: its late event is kept again; the newest is dropped.
    await bus.publish(TasksGeneratedV1, tasksGenerated('shop', [], { planRevision: 7 }), {
      correlationId: 'job-1000',
    });
    await bus.publish(TasksGeneratedV1, tasksGenerated('shop', [], { planRevision: 7 }), {
      correlationId: 'job-0',
    });
    expect(await watch.until('job-0', (job) => job.tasks?.planRevision)).toBe(7);
    expect(await watch.until('job-1000', (job) => job)).toEqual({});
  });

  it("gives a job announced as a change (v2) the whole revision, from an earlier job's plan", async () => {
    const watch = await PlanJobWatch.start(bus);
    const first = revisionOf(SECTIONS, 1, '2026-03-02T09:00:00.000Z');
    const second = revisionOf(EDITED, 2, '2026-03-02T10:00:00.000Z');
    await bus.publish(PlanGeneratedV1, first.plan, { correlationId: 'job-1' });
    await bus.publish(TasksGeneratedV1, first.tasks, { correlationId: 'job-1' });
    await watch.until('job-1', planned);
    // The first job is done: its plan is still the base of the next.
    watch.forget('job-1');

    const planChange = planGeneratedChange(first.plan, second.plan);
    const tasksChange = tasksGeneratedChange(first.tasks, second.tasks);
    // What travels is a change: the moved sections as one kept run, shifted.
    expect(planChange.nodes).toContainEqual({ keep: { from: 3, count: 1, offsetShift: 60, lineShift: 2 } });
    expect(tasksChange.tasks).toContainEqual({ keep: { from: 3, count: 1, lineShift: 2 } });
    await bus.publish(PlanGeneratedV2, planChange, { correlationId: 'job-2' });
    await bus.publish(TasksGeneratedV2, tasksChange, { correlationId: 'job-2' });

    const job = await watch.until('job-2', planned);
    expect(job.failed).toBeUndefined();
    // Exactly the v1 the planner would have sent: the same keys in the same order.
    expect(JSON.stringify(job.plan)).toBe(JSON.stringify(second.plan));
    expect(JSON.stringify(job.tasks)).toBe(JSON.stringify(second.tasks));
    expect(job.plans?.get(PLAN_ID)).toEqual(second.plan);
    expect(job.taskGraphs?.get(PLAN_ID)).toEqual(second.tasks);
  });

  it('fails the job, naming the plan, its revision and the base, when a change comes with no base held', async () => {
    const watch = await PlanJobWatch.start(bus);
    const first = revisionOf(SECTIONS, 1, '2026-03-02T09:00:00.000Z');
    const second = revisionOf(EDITED, 2, '2026-03-02T10:00:00.000Z');
    await bus.publish(PlanGeneratedV2, planGeneratedChange(first.plan, second.plan), {
      correlationId: 'job-1',
    });

    const failed = await watch.until('job-1', (job) => job.failed);
    expect(failed.code).toBe('CLI_PLAN_BASE_MISSING');
    expect(failed.message).toBe(
      `plan.generated v2 of plan ${PLAN_ID} revision 2 is a change to revision 1 (generated ` +
        '2026-03-02T09:00:00.000Z), which this process does not hold: no revision of it is held',
    );
  });

  it('fails the job when the revision held is not the base the change names', async () => {
    const watch = await PlanJobWatch.start(bus);
    // A planner whose store was reset numbers from 1 again: the same number, another revision.
    const held = revisionOf(SECTIONS, 1, '2026-03-01T08:00:00.000Z');
    const first = revisionOf(SECTIONS, 1, '2026-03-02T09:00:00.000Z');
    const second = revisionOf(EDITED, 2, '2026-03-02T10:00:00.000Z');
    await bus.publish(TasksGeneratedV1, held.tasks, { correlationId: 'job-1' });
    await watch.until('job-1', (job) => job.tasks);
    await bus.publish(TasksGeneratedV2, tasksGeneratedChange(first.tasks, second.tasks), {
      correlationId: 'job-2',
    });

    const failed = await watch.until('job-2', (job) => job.failed);
    expect(failed.code).toBe('CLI_PLAN_BASE_MISSING');
    expect(failed.message).toContain(
      `tasks.generated v2 of plan ${PLAN_ID} revision 2 is a change to revision 1 (generated ` +
        '2026-03-02T09:00:00.000Z), which this process does not hold: the revision held is 1 (generated ' +
        '2026-03-01T08:00:00.000Z)',
    );
    expect((await watch.until('job-2', (job) => job)).tasks).toBeUndefined();
  });

  it('keeps the newest revision it saw as the base: an older one announced later does not replace it', async () => {
    const watch = await PlanJobWatch.start(bus);
    const first = revisionOf(SECTIONS, 1, '2026-03-02T09:00:00.000Z');
    const second = revisionOf(EDITED, 2, '2026-03-02T10:00:00.000Z');
    const third = revisionOf(
      EDITED.map((s) => (s.key === 'cart' ? { ...s, title: 'Build the basket' } : s)),
      3,
      '2026-03-02T11:00:00.000Z',
    );
    // Revision 2 announced by another path (no job of this process), then revision 1 late.
    await bus.publish(PlanGeneratedV1, second.plan);
    await bus.publish(TasksGeneratedV1, second.tasks);
    await bus.publish(PlanGeneratedV1, first.plan, { correlationId: 'job-late' });
    await bus.publish(TasksGeneratedV1, first.tasks, { correlationId: 'job-late' });
    // The late job still gets what was announced for it.
    expect((await watch.until('job-late', planned)).plan).toEqual(first.plan);

    await bus.publish(PlanGeneratedV2, planGeneratedChange(second.plan, third.plan), {
      correlationId: 'job-3',
    });
    await bus.publish(TasksGeneratedV2, tasksGeneratedChange(second.tasks, third.tasks), {
      correlationId: 'job-3',
    });
    const job = await watch.until('job-3', (j) => j.failed ?? planned(j));
    expect(job).toMatchObject({ plan: third.plan, tasks: third.tasks });
  });
});
