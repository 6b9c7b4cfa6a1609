import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManagerCreateProjectV1,
  ProjectDaySummarizedV1,
  TasksGeneratedV1,
  WorkerExecuteRunV1,
  type Envelope,
} from '@autopilot/contracts';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { createProjectCommand, taskSpec, tasksGenerated } from '../testing/manager-fixture';
import { startManagerHost, type ManagerHost } from '../testing/manager-host';

/** The tick loop's day rollover in the real module: `project.day_summarized` once the project's midnight passes. */
describe('the manager service announces daily summaries', () => {
  let dir: string;
  let store: DocumentStore;
  let manager: ManagerHost | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-summary-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after Berlin midnight the tick loop stores and announces the ended day, once', async () => {
    manager = await startManagerHost(store, [ProjectDaySummarizedV1, WorkerExecuteRunV1], {
      settings: { tickMs: 3_600_000 },
    });
    const { send, seen, clock } = manager;
    const schedule = {
      timezone: 'Europe/Berlin',
      windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00' }],
    };
    await send(ManagerCreateProjectV1, createProjectCommand('p1', { schedule }));
    await send(TasksGeneratedV1, tasksGenerated('p1', [taskSpec('a')]));
    await eventually(() => expect(seen.map((e) => e.type)).toContain(WorkerExecuteRunV1.type));
    const summaries = (): Envelope[] => seen.filter((e) => e.type === ProjectDaySummarizedV1.type);
    expect(summaries()).toEqual([]);
    // 10:00Z → 23:00:01Z, the first second of 3 March in Berlin; the hourly timer ticks meanwhile.
    await clock.advanceAsync(Date.parse('2026-03-02T23:00:01.000Z') - clock.now());
    await eventually(() => expect(summaries()).toHaveLength(1));
    expect(summaries()[0]?.data).toMatchObject({
      projectId: 'p1',
      date: '2026-03-02',
      final: true,
      completed: [],
    });
    // No worker took the run all day: it failed past the maximum run time, and the summary says so.
    expect(JSON.stringify(summaries()[0]?.data)).toContain('maximum run time');
    await clock.advanceAsync(3_600_000);
    expect(summaries()).toHaveLength(1);
  });
});
