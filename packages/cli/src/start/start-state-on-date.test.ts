import { describe, expect, it } from '@jest/globals';
import type { Approval, RunFinishedV1, Task } from '@autopilot/contracts';
import { emptyStartState } from './start-read-model';
import { startStateOnDate } from './start-state-on-date';

describe('startStateOnDate', () => {
  it("keeps the runs that finished on the local day, their tasks, and that day's approvals", () => {
    const state = emptyStartState();
    const finish = (taskId: string, finishedAt: string) =>
      state.finished.set(taskId, { taskId, runId: `r-${taskId}`, finishedAt } as RunFinishedV1);
    for (const id of ['a', 'b', 'c']) state.tasks.set(id, { id } as Task);
    // 23:30 UTC on the 1st is already the 2nd in Berlin (UTC+1 in March).
    finish('a', '2026-03-01T23:30:00.000Z');
    finish('b', '2026-03-01T12:00:00.000Z');
    state.approvals.set('x', { id: 'x', requestedAt: '2026-03-02T09:00:00.000Z' } as Approval);
    state.approvals.set('y', { id: 'y', requestedAt: '2026-03-01T09:00:00.000Z' } as Approval);

    const day = startStateOnDate(state, '2026-03-02', 'Europe/Berlin');
    expect([...day.finished.keys()]).toEqual(['a']);
    expect([...day.tasks.keys()]).toEqual(['a']);
    expect([...day.approvals.keys()]).toEqual(['x']);
    expect([...startStateOnDate(state, '2026-03-01', 'UTC').finished.keys()].sort()).toEqual(['a', 'b']);
  });
});
