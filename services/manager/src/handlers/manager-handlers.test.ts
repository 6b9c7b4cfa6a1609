import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutopilotTickedV1,
  ManagerCreateProjectV1,
  ManagerPauseProjectV1,
  ManagerSetAutonomyV1,
  ProjectUpdatedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Envelope,
} from '@autopilot/contracts';
import { isHandled, outboxStates, type Doc, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { createProjectCommand, taskSpec, tasksGenerated } from '../testing/manager-fixture';
import { startManagerHost, type ManagerHost } from '../testing/manager-host';

const ada = { kind: 'user', id: 'ada' } as const;

describe('the manager service over the in-process bus', () => {
  let dir: string;
  let store: DocumentStore;
  let manager: ManagerHost | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-handler-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const dispatched = (seen: readonly Envelope[]): string[] =>
    seen
      .filter((e) => e.type === WorkerExecuteRunV1.type)
      .map((e) => {
        const d = e.data as WorkerExecuteRunV1;
        return `${d.projectId}/${d.taskId}`;
      })
      .sort();
  /** What the last tick decided for `projectId`, once a tick recorded it. */
  const decided = async (projectId: string): Promise<string | undefined> =>
    ((await store.collection<Doc>('tick_state').get(`decisions/${projectId}`))?.key as string | undefined) ??
    undefined;

  it('dispatches worker.execute_run only for ready tasks, within project and global limits; suggest and off dispatch nothing', async () => {
    manager = await startManagerHost(store, [WorkerExecuteRunV1, AutopilotTickedV1, TaskUpdatedV1], {
      settings: { maxParallel: 3 },
    });
    const { send, seen } = manager;
    // full: a, b, c ready (d waits for a), at most 2 at once. wide: x, y ready, room for 5, but the
    // global limit of 3 leaves one slot.
    await send(ManagerCreateProjectV1, createProjectCommand('full', { maxParallel: 2 }));
    await send(
      TasksGeneratedV1,
      tasksGenerated('full', [taskSpec('a'), taskSpec('b'), taskSpec('c'), taskSpec('d', ['a'])]),
    );
    await eventually(() => expect(dispatched(seen)).toEqual(['full/a', 'full/b']));
    await send(ManagerCreateProjectV1, createProjectCommand('wide', { maxParallel: 5 }));
    await send(TasksGeneratedV1, tasksGenerated('wide', [taskSpec('x'), taskSpec('y')]));
    await eventually(() => expect(dispatched(seen)).toEqual(['full/a', 'full/b', 'wide/x']));

    // off: the graph is stored and nothing runs; suggest: recorded as "would run", nothing runs.
    await send(ManagerCreateProjectV1, createProjectCommand('quiet', { autonomyMode: 'off' }));
    await send(TasksGeneratedV1, tasksGenerated('quiet', [taskSpec('q')]));
    await eventually(() =>
      expect(
        seen.some((e) => e.type === TaskUpdatedV1.type && (e.data as TaskUpdatedV1).projectId === 'quiet'),
      ).toBe(true),
    );
    await send(ManagerCreateProjectV1, createProjectCommand('sugg', { autonomyMode: 'suggest' }));
    await send(TasksGeneratedV1, tasksGenerated('sugg', [taskSpec('s')]));
    await eventually(async () => expect(await decided('sugg')).toBe(JSON.stringify([['s', 'suggest']])));
    expect(await decided('quiet')).toBeUndefined();

    // The timer's tick (the FakeClock) decides the same: nothing more is dispatched.
    manager.clock.advance(5_000);
    await send(ManagerSetAutonomyV1, { projectId: 'quiet', mode: 'suggest', requestedBy: ada });
    await eventually(async () => expect(await decided('quiet')).toBe(JSON.stringify([['q', 'suggest']])));
    await manager.host.relay.idle();
    // Published is not yet handled: the subscriber that fills `seen` runs on a later turn.
    const ticks = () =>
      seen.filter((e) => e.type === AutopilotTickedV1.type).map((e) => e.data as AutopilotTickedV1);
    await eventually(() => {
      expect(dispatched(seen)).toEqual(['full/a', 'full/b', 'wide/x']);
      expect(ticks().flatMap((t) => t.dispatchedRunIds)).toHaveLength(3);
    });
    const commands = seen.filter((e) => e.type === WorkerExecuteRunV1.type);
    expect(
      commands.every(
        (e) => e.source === 'manager' && e.correlationId === (e.data as WorkerExecuteRunV1).runId,
      ),
    ).toBe(true);
  });

  it('changes nothing when the same tasks.generated is delivered again', async () => {
    manager = await startManagerHost(store, [WorkerExecuteRunV1, TaskUpdatedV1, ProjectUpdatedV1], {
      duplicateWindowMs: 0,
    });
    const { send, seen, bus } = manager;
    await send(ManagerCreateProjectV1, createProjectCommand('p1', { maxParallel: 1 }));
    const graph = await send(TasksGeneratedV1, tasksGenerated('p1', [taskSpec('a'), taskSpec('b', ['a'])]));
    await eventually(() => expect(dispatched(seen)).toEqual(['p1/a']));
    await manager.host.relay.idle();
    // Published is not yet delivered: the observers have seen everything once a's queued state is in.
    await eventually(() =>
      expect(
        seen.some(
          (e) =>
            e.type === TaskUpdatedV1.type &&
            (e.data as TaskUpdatedV1).id === 'a' &&
            (e.data as TaskUpdatedV1).status === 'queued',
        ),
      ).toBe(true),
    );
    const entries = (await outboxStates(store)).length;
    const seenBefore = seen.length;
    expect(await isHandled(store, 'manager-tasks-generated', graph.id)).toBe(true);

    // The copy, then another project's graph on the same consumer: once that one is announced, the
    // copy has been handled too, and it changed nothing.
    await bus.publishEnvelope(graph);
    await send(TasksGeneratedV1, tasksGenerated('p2', [taskSpec('z')]));
    await eventually(() =>
      expect(seen.filter((e) => (e.data as { projectId?: string }).projectId === 'p2')).toHaveLength(1),
    );
    await manager.host.relay.idle();
    expect(seen.length).toBe(seenBefore + 1);
    expect((await outboxStates(store)).length).toBe(entries + 1);
    expect(dispatched(seen)).toEqual(['p1/a']);
  });

  it('dead-letters bad input with a reason a person can read, and carries on', async () => {
    manager = await startManagerHost(store, [ProjectUpdatedV1]);
    const { send, seen, bus, busLines } = manager;
    await send(ManagerPauseProjectV1, { projectId: 'nope', requestedBy: ada, reason: 'why not' });
    await send(
      ManagerCreateProjectV1,
      createProjectCommand('tz', { schedule: { timezone: 'Mars/Olympus', windows: [] } }),
    );
    await send(ManagerCreateProjectV1, createProjectCommand('ok'));
    await eventually(() => expect(seen.map((e) => (e.data as { id: string }).id)).toEqual(['ok']));
    await eventually(async () => {
      const pause = await bus.listDeadLetters({ consumer: 'manager-pause-project' });
      expect(pause.map((l) => l.reason)).toEqual([
        expect.stringContaining('manager.pause_project: project nope does not exist'),
      ]);
      const create = await bus.listDeadLetters({ consumer: 'manager-create-project' });
      expect(create.map((l) => l.reason)).toEqual([
        expect.stringContaining('project tz: schedule timezone "Mars/Olympus": is not an IANA time zone'),
      ]);
    });
    // The warning a person reads in the log names the consumer, the message and why.
    expect(busLines.filter((l) => l.level === 'warn' && l.msg === 'message dead-lettered')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          fields: expect.objectContaining({ consumer: 'manager-pause-project', code: 'BUS_NON_RETRYABLE' }),
        }),
      ]),
    );
  });
});
