import {
  ProjectUpdatedV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Envelope,
  type Project,
  type Run,
  type Task,
  type WorkerExecuteRunV1 as ExecuteRun,
} from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';
import { runFinished, runStarted, runSuspended, stepRecorded } from '@autopilot/testing';

describe('RunReportsUseCase and the tick recovering runs (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const of = async <T>(type: string): Promise<T[]> =>
    (await f.outbox()).filter((e: Envelope) => e.type === type).map((e) => e.data as T);
  const commands = (): Promise<ExecuteRun[]> => of<ExecuteRun>(WorkerExecuteRunV1.type);
  const lastCommand = async (taskId: string): Promise<ExecuteRun> =>
    (await commands()).filter((c) => c.taskId === taskId).at(-1) as ExecuteRun;
  const task = async (id: string, project = 'p1'): Promise<Task> =>
    (await f.graphs.task(project, id))?.value as Task;
  const run = async (id: string): Promise<Run> => (await f.graphs.runs([id]))[0]?.value as Run;
  const now = (): string => f.clock.isoNow();

  async function project(tasks = [taskSpec('a'), taskSpec('b', ['a'])], maxParallel = 2): Promise<void> {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { maxParallel }));
    await f.applyGraph.execute(tasksGenerated('p1', tasks));
    await f.tick.execute();
  }

  it('a run started then succeeded: task running then succeeded, its dependant ready and dispatched', async () => {
    await project();
    const a = await lastCommand('a');
    expect(await f.reports.started(runStarted(a, now()))).toBe('changed');
    expect(await task('a')).toMatchObject({ status: 'running', currentRunId: a.runId });
    expect(await run(a.runId)).toMatchObject({ status: 'running', workerId: 'worker-1', revision: 2 });

    f.clock.advance(60_000);
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('changed');
    expect(await run(a.runId)).toMatchObject({ status: 'succeeded', confidence: 0.95, costUsd: 0.25 });
    const done = await task('a');
    expect(done).toMatchObject({ status: 'succeeded', branch: a.branch });
    expect(done.currentRunId).toBeUndefined();
    expect(await task('b')).toMatchObject({ status: 'ready' });
    const updates = await of<Task>(TaskUpdatedV1.type);
    expect(updates.slice(-2).map((t) => [t.id, t.status])).toEqual([
      ['a', 'succeeded'],
      ['b', 'ready'],
    ]);
    expect(f.tickRequests()).toBeGreaterThan(0);
    await f.tick.execute();
    expect((await commands()).map((c) => c.taskId)).toEqual(['a', 'b']);
  });

  it('a duplicate delivery changes nothing; reports arriving out of order still apply', async () => {
    await project();
    const a = await lastCommand('a');
    // run.finished handled before run.started (different consumers): the run starts on the way.
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('changed');
    const count = (await f.outbox()).length;
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('unchanged');
    expect(await f.reports.started(runStarted(a, now()))).toBe('unchanged');
    expect(await f.reports.stepRecorded(stepRecorded(a, 1, now()))).toBe('unchanged');
    expect((await f.outbox()).length).toBe(count);
    expect(await run(a.runId)).toMatchObject({ status: 'succeeded', revision: 2 });
  });

  it('a failed run retries after its backoff, which the tick respects; the loop guard stops a second identical failure', async () => {
    await project([taskSpec('a'), taskSpec('b', ['a'])]);
    const first = await lastCommand('a');
    await f.reports.started(runStarted(first, now()));
    await f.reports.stepRecorded(stepRecorded(first, 1, now(), { kind: 'command', status: 'failed' }));
    await f.reports.finished(runFinished(first, 'failed', now()));
    const retrying = await f.graphs.task('p1', 'a');
    expect(retrying?.value).toMatchObject({
      status: 'ready',
      attempts: 1,
      failure: { code: 'WORKER_TESTS_FAILED' },
    });
    expect(retrying?.notes).toEqual({
      notBefore: '2026-03-02T10:00:30.000Z',
      signatures: ['command: npm test exited # in src/app.test.ts'],
    });
    // Within the backoff the tick holds it, saying why.
    const held = await f.tick.execute();
    expect(held.decisions).toEqual([
      expect.objectContaining({
        taskId: 'a',
        action: 'hold',
        reason: 'retry backoff until 2026-03-02T10:00:30.000Z',
      }),
    ]);
    f.clock.advance(30_000);
    await f.tick.execute();
    const second = await lastCommand('a');
    expect(second).toMatchObject({ attempt: 2, fencingToken: 1 });
    expect(second.runId).not.toBe(first.runId);

    await f.reports.stepRecorded(stepRecorded(second, 1, now(), { kind: 'command', status: 'failed' }));
    await f.reports.finished(runFinished(second, 'failed', now()));
    expect(await task('a')).toMatchObject({
      status: 'failed',
      failure: {
        code: 'MANAGER_SAME_FAILURE_TWICE',
        message: 'same failure twice: command: npm test exited # in src/app.test.ts',
      },
    });
    expect(await task('b')).toMatchObject({ status: 'blocked' });
    f.clock.advance(3_600_000);
    await f.tick.execute();
    expect((await commands()).length).toBe(2);
    expect(f.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'task failed' }));
  });

  it('pauses the project after 3 failed runs in a row, its reason and unblock action in project.updated', async () => {
    await project([taskSpec('a'), taskSpec('b'), taskSpec('c')], 3);
    for (const id of ['a', 'b', 'c']) {
      f.clock.advance(1_000);
      const c = await lastCommand(id);
      await f.reports.finished(
        runFinished(c, 'failed', now(), { failure: { code: 'X', message: `broke ${id} differently` } }),
      );
    }
    const [, paused] = await of<Project>(ProjectUpdatedV1.type);
    expect(paused).toMatchObject({
      paused: true,
      pause: {
        kind: 'consecutive_failures',
        since: now(),
        unblock: expect.stringContaining('then resume the project'),
      },
    });
    expect(paused?.pause?.reason).toMatch(
      /^3 runs in a row failed \(run .+ of task a, run .+ of task b, run .+ of task c\); last failure: unknown: broke c differently$/,
    );
    // Paused: the retries wait even after their backoff.
    f.clock.advance(3_600_000);
    const report = await f.tick.execute();
    expect(report.dispatchedRunIds).toEqual([]);
    expect(report.decisions[0]?.reason).toMatch(/^project paused: 3 runs in a row failed/);
    // Resuming clears the pause.
    await f.commands.resume({ projectId: 'p1', requestedBy: { kind: 'user', id: 'ada' } });
    expect((await of<Project>(ProjectUpdatedV1.type)).at(-1)?.pause).toBeUndefined();
  });

  it('pauses the project when a run succeeds below the confidence threshold', async () => {
    await project([taskSpec('a')]);
    const a = await lastCommand('a');
    await f.reports.finished(runFinished(a, 'succeeded', now(), { confidence: 0.5 }));
    expect(await task('a')).toMatchObject({ status: 'succeeded' });
    expect((await f.projects.get('p1'))?.value.project).toMatchObject({
      paused: true,
      pause: {
        kind: 'low_confidence',
        reason: `run ${a.runId} of task a finished with confidence 0.5, below the threshold 0.8`,
        unblock: `review branch ${a.branch}; accept it or retry the task, then resume the project`,
      },
    });
  });

  it('pauses the project on a failed quality-gate check that the settings name, and only then', async () => {
    f = await openManagerFixture({ pauseOnFailedGates: ['protected_paths'] });
    await f.commands.create(createProjectCommand('p1', { maxParallel: 2 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    await f.tick.execute();
    const a = await lastCommand('a');
    const b = await lastCommand('b');
    await f.reports.finished(
      runFinished(a, 'failed', now(), { gates: [{ name: 'tests', passed: false, detail: '1 failed' }] }),
    );
    expect((await f.projects.get('p1'))?.value.project.paused).toBe(false);
    await f.reports.finished(
      runFinished(b, 'failed', now(), {
        gates: [
          { name: 'tests', passed: true },
          { name: 'protected_paths', passed: false, detail: '.github/workflows/ci.yml changed' },
        ],
      }),
    );
    expect((await f.projects.get('p1'))?.value.project).toMatchObject({
      paused: true,
      pause: {
        kind: 'quality_gate',
        reason: `run ${b.runId} of task b failed the quality gate protected_paths, which policy says pauses the project`,
      },
    });
  });

  it("a dependant starts from its dependency's work: the head commit of the run that succeeded", async () => {
    await project([taskSpec('a'), taskSpec('b', ['a'])]);
    const a = await lastCommand('a');
    expect(a.baseCommit).toBe('0'.repeat(40));
    await f.reports.finished(runFinished(a, 'succeeded', now(), { headCommit: 'c'.repeat(40) }));
    await f.tick.execute();
    expect(await lastCommand('b')).toMatchObject({ baseCommit: 'c'.repeat(40) });
  });

  it('a suspended run frees its slot and its task awaits approval', async () => {
    await project([taskSpec('a'), taskSpec('b'), taskSpec('c')], 2);
    const a = await lastCommand('a');
    expect(await f.graphs.runCounts('p1')).toEqual({ inFlight: 2, suspended: 0 });
    await f.reports.started(runStarted(a, now()));
    await f.reports.suspended(runSuspended(a, now()));
    expect(await run(a.runId)).toMatchObject({ status: 'suspended', suspendReason: 'awaiting_approval' });
    expect(await task('a')).toMatchObject({ status: 'awaiting_approval', currentRunId: a.runId });
    expect(await f.graphs.runCounts('p1')).toEqual({ inFlight: 1, suspended: 1 });
    await f.tick.execute();
    expect((await commands()).map((c) => c.taskId)).toEqual(['a', 'b', 'c']);
  });

  it('requeues a run whose lease lapsed under a new fencing token and refuses the stale worker', async () => {
    await project([taskSpec('a')]);
    const a = await lastCommand('a');
    await f.reports.started(runStarted(a, now()));
    // Steps renew the lease: 9 minutes, a step, 9 more minutes: still held.
    f.clock.advance(9 * 60_000);
    await f.reports.stepRecorded(stepRecorded(a, 1, now()));
    f.clock.advance(9 * 60_000);
    expect((await f.tick.execute()).requeuedRunIds).toEqual([]);
    f.clock.advance(60_000);
    const report = await f.tick.execute();
    expect(report.requeuedRunIds).toEqual([a.runId]);
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });
    expect(await task('a')).toMatchObject({ status: 'queued', attempts: 1, currentRunId: a.runId });
    const again = await lastCommand('a');
    expect(again).toMatchObject({ runId: a.runId, attempt: 1, fencingToken: 2 });

    // The stale worker's result: refused, logged, acked; nothing changes.
    const count = (await f.outbox()).length;
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('refused');
    expect((await f.outbox()).length).toBe(count);
    expect(f.logs).toContainEqual({
      level: 'warn',
      message: 'worker report refused',
      fields: expect.objectContaining({
        runId: a.runId,
        fencingToken: 1,
        reason: `stale fencing token 1: run ${a.runId} is on lease 2 (requeued or cancelled since)`,
      }),
    });
    // The current worker's result counts.
    await f.reports.started(runStarted(again, now(), 'worker-2'));
    expect(await f.reports.finished(runFinished(again, 'succeeded', now()))).toBe('changed');
    expect(await task('a')).toMatchObject({ status: 'succeeded' });
  });

  it('fails a run past the maximum run time with a clear reason, even while its lease is renewed', async () => {
    await project([taskSpec('a')]);
    const a = await lastCommand('a');
    await f.reports.started(runStarted(a, now()));
    for (let seq = 1; seq <= 25; seq += 1) {
      f.clock.advance(10 * 60_000 - 1);
      await f.reports.stepRecorded(stepRecorded(a, seq, now()));
      await f.tick.execute();
    }
    const failed = await run(a.runId);
    expect(failed).toMatchObject({
      status: 'failed',
      fencingToken: 2,
      failure: {
        code: 'MANAGER_RUN_TIMED_OUT',
        message: 'the run took longer than the maximum run time of 4 h',
      },
    });
    expect(await task('a')).toMatchObject({ status: 'ready', failure: { code: 'MANAGER_RUN_TIMED_OUT' } });
    expect(await f.reports.stepRecorded(stepRecorded(a, 26, now()))).toBe('refused');
  });

  it('refuses reports for runs it does not hold, acking them', async () => {
    await project([taskSpec('a')]);
    const a = await lastCommand('a');
    expect(await f.reports.finished(runFinished({ ...a, runId: 'ghost' }, 'succeeded', now()))).toBe(
      'unknown_run',
    );
    expect(await f.reports.started(runStarted({ ...a, fencingToken: 7 }, now()))).toBe('refused');
    expect(f.logs.filter((l) => l.level === 'warn').map((l) => l.fields?.reason ?? l.message)).toEqual([
      'worker report for a run the manager does not hold: refused',
      `fencing token 7 was never issued for run ${a.runId} (current 1)`,
    ]);
  });
});

describe('RunCommandsUseCase (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());
  const ada = { kind: 'user', id: 'ada' } as const;
  const now = (): string => f.clock.isoNow();
  const of = async <T>(type: string): Promise<T[]> =>
    (await f.outbox()).filter((e: Envelope) => e.type === type).map((e) => e.data as T);
  const lastCommand = async (taskId: string): Promise<ExecuteRun> =>
    (await of<ExecuteRun>(WorkerExecuteRunV1.type)).filter((c) => c.taskId === taskId).at(-1) as ExecuteRun;

  it('retry_task reopens a failed task with a fresh allowance and a clean loop guard; other statuses are refused', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1'));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    await f.tick.execute();
    for (let i = 0; i < 2; i += 1) {
      const c = await lastCommand('a');
      await f.reports.finished(runFinished(c, 'failed', now()));
      f.clock.advance(3_600_000);
      await f.tick.execute();
    }
    expect((await f.graphs.task('p1', 'a'))?.value).toMatchObject({ status: 'failed', attempts: 2 });

    expect(await f.runCommands.retryTask({ projectId: 'p1', taskId: 'a', requestedBy: ada })).toBe('changed');
    const reopened = await f.graphs.task('p1', 'a');
    expect(reopened?.value).toMatchObject({ status: 'ready', attempts: 2, maxAttempts: 5 });
    expect(reopened?.value.failure).toBeUndefined();
    expect(reopened?.notes).toEqual({});
    expect(await f.runCommands.retryTask({ projectId: 'p1', taskId: 'a', requestedBy: ada })).toBe(
      'unchanged',
    );
    await f.tick.execute();
    expect(await lastCommand('a')).toMatchObject({ attempt: 3 });

    const b = await lastCommand('b');
    await f.reports.finished(runFinished(b, 'succeeded', now()));
    await expect(f.runCommands.retryTask({ projectId: 'p1', taskId: 'b', requestedBy: ada })).rejects.toThrow(
      'manager.retry_task: task b of project p1 is succeeded; only a failed or cancelled task is retried',
    );
    await expect(
      f.runCommands.retryTask({ projectId: 'p1', taskId: 'zz', requestedBy: ada }),
    ).rejects.toThrow('manager.retry_task: project p1 holds no task zz');
    await expect(
      f.runCommands.retryTask({ projectId: 'nope', taskId: 'a', requestedBy: ada }),
    ).rejects.toThrow('manager.retry_task: project nope does not exist');
  });

  it('cancel_run cancels the run and its task, moves the fencing token on and refuses the worker from then on', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1'));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a')]));
    await f.tick.execute();
    const a = await lastCommand('a');
    await f.reports.started(runStarted(a, now()));
    const cancel = { projectId: 'p1', runId: a.runId, requestedBy: ada, reason: 'wrong approach' };
    expect(await f.runCommands.cancelRun(cancel)).toBe('changed');
    expect((await f.graphs.runs([a.runId]))[0]?.value).toMatchObject({
      status: 'cancelled',
      fencingToken: 2,
      failure: { code: 'MANAGER_RUN_CANCELLED', message: 'cancelled by user ada: wrong approach' },
    });
    expect((await f.graphs.task('p1', 'a'))?.value).toMatchObject({ status: 'cancelled' });
    expect(await f.runCommands.cancelRun(cancel)).toBe('unchanged');
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('refused');
    await f.tick.execute();
    expect((await of(WorkerExecuteRunV1.type)).length).toBe(1);
    await expect(f.runCommands.cancelRun({ ...cancel, runId: 'ghost' })).rejects.toThrow(
      'manager.cancel_run: project p1 holds no run ghost',
    );
  });

  it('abort_project cancels unfinished work and runs in flight and pauses the project', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { maxParallel: 1 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b'), taskSpec('c', ['a'])]));
    await f.tick.execute();
    const a = await lastCommand('a');
    await f.reports.started(runStarted(a, now()));
    expect(
      await f.runCommands.abortProject({ projectId: 'p1', requestedBy: ada, reason: 'wrong plan' }),
    ).toBe('changed');
    const graph = await f.graphs.load('p1');
    expect([...graph.tasks.values()].map((t) => [t.value.id, t.value.status])).toEqual([
      ['a', 'cancelled'],
      ['b', 'cancelled'],
      ['c', 'cancelled'],
    ]);
    expect((await f.graphs.runs([a.runId]))[0]?.value).toMatchObject({
      status: 'cancelled',
      fencingToken: 2,
    });
    expect((await f.projects.get('p1'))?.value.project).toMatchObject({
      paused: true,
      pause: { kind: 'aborted', reason: 'aborted with its project by user ada: wrong plan' },
    });
    const runUpdates = await of<Run>(RunUpdatedV1.type);
    expect(runUpdates.at(-1)).toMatchObject({ id: a.runId, status: 'cancelled' });
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('refused');
  });
});
