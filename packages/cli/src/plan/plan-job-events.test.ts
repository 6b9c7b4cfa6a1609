import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { TasksGeneratedV1 } from '@autopilot/contracts';
import { tasksGenerated } from '@autopilot/testing';
import { PlanJobWatch } from './plan-job-events';

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
});
