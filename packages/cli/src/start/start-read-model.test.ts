import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Approval, Project, Run, RunFinishedV1, Task } from '@autopilot/contracts';
import { StartReadModel } from './start-read-model';

describe('StartReadModel (SQLite in the start directory)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the newest of each thing however often and in whatever order it arrives, across reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-start-model-'));
    dirs.push(dir);
    const task = (revision: number, status: Task['status']) =>
      ({ id: 't1', projectId: 'p1', revision, status }) as Task;
    const finished = (runId: string, finishedAt: string) =>
      ({ runId, taskId: 't1', projectId: 'p1', finishedAt }) as RunFinishedV1;
    const approval = (revision: number, status: Approval['status']) =>
      ({ id: 'a1', projectId: 'p1', revision, status }) as Approval;

    const model = await StartReadModel.open(dir);
    const state = await model.load('p1');
    await model.task(state, task(2, 'running'));
    await model.task(state, task(1, 'ready')); // a late, older copy: ignored
    await model.task(state, task(2, 'running')); // a duplicate: harmless
    await model.finished(state, finished('r2', '2026-03-02T10:00:00.000Z'));
    await model.finished(state, finished('r1', '2026-03-02T09:00:00.000Z'));
    await model.approval(state, approval(2, 'approved'));
    await model.approval(state, approval(1, 'pending'));
    await model.project(state, { id: 'p1', revision: 3, paused: false } as Project);
    await model.project(state, { id: 'p1', revision: 2, paused: true } as Project);
    await model.run(state, { id: 'r2', projectId: 'p1', revision: 5, costUsd: 0.3 } as Run);
    await model.run(state, { id: 'r2', projectId: 'p1', revision: 4, costUsd: 0.2 } as Run);
    await model.run(state, { id: 'r1', projectId: 'p1', revision: 3, costUsd: 0.1 } as Run);
    await model.noteBaseCommit('p1', 'c'.repeat(40));
    await model.close();

    const reopened = await StartReadModel.open(dir);
    const again = await reopened.load('p1');
    expect(again.tasks.get('t1')).toMatchObject({ revision: 2, status: 'running' });
    expect(again.finished.get('t1')?.runId).toBe('r2');
    expect(again.approvals.get('a1')?.status).toBe('approved');
    expect(again.project).toMatchObject({ revision: 3, paused: false });
    expect(again.baseCommit).toBe('c'.repeat(40));
    // Every run kept (a retry's cost counts too), each at its newest revision.
    expect([...again.runs.values()].map((r) => [r.id, r.costUsd]).sort()).toEqual([
      ['r1', 0.1],
      ['r2', 0.3],
    ]);
    expect(await reopened.projectIds()).toEqual(['p1']);
    expect((await reopened.load('other')).tasks.size).toBe(0);
    await reopened.close();
  });
});
