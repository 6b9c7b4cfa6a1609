import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManagerCreateProjectV1,
  PlannerAnnouncePlanV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  tasksGeneratedChange,
  type Envelope,
  type TasksGeneratedV1 as TaskGraph,
} from '@autopilot/contracts';
import { isHandled, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock } from '@autopilot/testing';
import { StoreTaskGraphRepository } from '../adapters/task-graph-repository';
import { createProjectCommand, taskSpec, tasksGenerated } from '../testing/manager-fixture';
import { startManagerHost, type ManagerHost } from '../testing/manager-host';

const revision = (planRevision: number, ids: readonly string[]): TaskGraph =>
  tasksGenerated(
    'p1',
    ids.map((id) => taskSpec(id)),
    { planRevision, generatedAt: `2026-03-0${planRevision}T09:00:00.000Z` },
  );
const rev1 = revision(1, ['a', 'b']);
const rev2 = revision(2, ['a', 'b', 'c']);
const rev3 = revision(3, ['a', 'c', 'd']);

describe('tasks.generated v2 over the in-process bus', () => {
  let dir: string;
  let store: DocumentStore;
  let manager: ManagerHost | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-tasks-changed-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const graphs = () => new StoreTaskGraphRepository(store, new FakeClock(0));
  const storedIds = async (): Promise<string[]> => [...(await graphs().load('p1')).tasks.keys()].sort();
  const appliedRevision = async (): Promise<number | undefined> =>
    (await graphs().load('p1')).applied?.planRevision;
  const announcements = (seen: readonly Envelope[]): Envelope[] =>
    seen.filter((e) => e.type === PlannerAnnouncePlanV1.type);

  it('applies a change against the graph this process handled, as the whole revision', async () => {
    manager = await startManagerHost(store, [PlannerAnnouncePlanV1]);
    const { send, seen } = manager;
    await send(ManagerCreateProjectV1, createProjectCommand('p1'));
    await send(TasksGeneratedV1, rev1);
    await eventually(async () => expect(await appliedRevision()).toBe(1));
    const change = await send(TasksGeneratedV2, tasksGeneratedChange(rev1, rev2), { correlationId: 'job-2' });
    await eventually(async () =>
      expect(await isHandled(store, 'manager-tasks-changed', change.id)).toBe(true),
    );
    expect(await appliedRevision()).toBe(2);
    expect(await storedIds()).toEqual(['a', 'b', 'c']);
    await manager.host.relay.idle();
    expect(announcements(seen)).toEqual([]);
  });

  it('asks the planner for the revision whole when it holds no base, then applies the next change against the answer', async () => {
    manager = await startManagerHost(store, [PlannerAnnouncePlanV1]);
    const { send, seen } = manager;
    await send(ManagerCreateProjectV1, createProjectCommand('p1'));
    const change = await send(TasksGeneratedV2, tasksGeneratedChange(rev1, rev2), { correlationId: 'job-2' });
    await eventually(() => expect(announcements(seen)).toHaveLength(1));
    expect(announcements(seen)[0]).toMatchObject({
      source: 'manager',
      projectId: 'p1',
      correlationId: 'job-2',
      causationId: change.id,
      data: { projectId: 'p1', planId: 'plan-p1', revision: 2, jobId: 'job-2' },
    });
    expect(await isHandled(store, 'manager-tasks-changed', change.id)).toBe(true);
    expect(await storedIds()).toEqual([]);

    // The planner answers with revision 2 whole, correlated with the job; the next change applies.
    await send(TasksGeneratedV1, rev2, { correlationId: 'job-2' });
    await eventually(async () => expect(await appliedRevision()).toBe(2));
    const next = await send(TasksGeneratedV2, tasksGeneratedChange(rev2, rev3), { correlationId: 'job-3' });
    await eventually(async () => expect(await isHandled(store, 'manager-tasks-changed', next.id)).toBe(true));
    expect(await appliedRevision()).toBe(3);
    expect(await storedIds()).toEqual(['a', 'b', 'c', 'd']);
    await manager.host.relay.idle();
    expect(announcements(seen)).toHaveLength(1);
  });

  it('asks again after a restart: a new process holds nothing', async () => {
    manager = await startManagerHost(store, []);
    await manager.send(ManagerCreateProjectV1, createProjectCommand('p1'));
    await manager.send(TasksGeneratedV1, rev1);
    await eventually(async () => expect(await appliedRevision()).toBe(1));
    await manager.close();

    manager = await startManagerHost(store, [PlannerAnnouncePlanV1]);
    await manager.send(TasksGeneratedV2, tasksGeneratedChange(rev1, rev2), { id: 'change-after-restart' });
    await eventually(() =>
      expect(announcements(manager!.seen).map((e) => e.data)).toEqual([
        { projectId: 'p1', planId: 'plan-p1', revision: 2 },
      ]),
    );
    expect(await appliedRevision()).toBe(1);
  });
});
