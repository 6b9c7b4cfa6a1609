import { hasCode } from '@autopilot/kernel';
import { TASK_STATUSES, type TaskStatus } from '@autopilot/contracts';
import { IllegalTaskTransitionError } from './task-errors';
import { canTransitionTask, transitionTask } from './task-lifecycle';

// Written out again here, not derived from the table, so a change to the table must change a test.
const legal: ReadonlyArray<[TaskStatus, TaskStatus]> = [
  ['blocked', 'ready'],
  ['blocked', 'skipped'],
  ['blocked', 'cancelled'],
  ['ready', 'blocked'],
  ['ready', 'queued'],
  ['ready', 'awaiting_approval'],
  ['ready', 'skipped'],
  ['ready', 'cancelled'],
  ['queued', 'running'],
  ['queued', 'failed'],
  ['queued', 'cancelled'],
  ['running', 'queued'],
  ['running', 'awaiting_approval'],
  ['running', 'ready'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['awaiting_approval', 'ready'],
  ['awaiting_approval', 'queued'],
  ['awaiting_approval', 'failed'],
  ['awaiting_approval', 'skipped'],
  ['awaiting_approval', 'cancelled'],
  ['succeeded', 'blocked'],
  ['succeeded', 'ready'],
  ['failed', 'blocked'],
  ['failed', 'ready'],
  ['skipped', 'blocked'],
  ['skipped', 'ready'],
  ['cancelled', 'blocked'],
  ['cancelled', 'ready'],
];
const isLegal = (from: TaskStatus, to: TaskStatus) => legal.some(([f, t]) => f === from && t === to);
const allPairs = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as const));

describe('task lifecycle', () => {
  it.each(allPairs.filter(([f, t]) => isLegal(f, t)))('allows %s → %s', (from, to) => {
    expect(transitionTask({ id: 't1', status: from }, to)).toBe(to);
  });

  it.each(allPairs.filter(([f, t]) => !isLegal(f, t)))(
    'refuses %s → %s, naming task, from and to',
    (from, to) => {
      let caught: unknown;
      try {
        transitionTask({ id: 'task-7', status: from }, to);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(IllegalTaskTransitionError);
      expect(hasCode(caught, 'MANAGER_ILLEGAL_TASK_TRANSITION')).toBe(true);
      expect(caught).toMatchObject({ taskId: 'task-7', from, to });
      expect((caught as Error).message).toBe(`task task-7: illegal transition ${from} → ${to}`);
    },
  );

  it('lets a gate (no work of its own) succeed straight from ready, and nothing else', () => {
    expect(transitionTask({ id: 'g', status: 'ready', gate: true }, 'succeeded')).toBe('succeeded');
    expect(canTransitionTask({ id: 't', status: 'ready' }, 'succeeded')).toBe(false);
    expect(canTransitionTask({ id: 'g', status: 'blocked', gate: true }, 'succeeded')).toBe(false);
  });
});
