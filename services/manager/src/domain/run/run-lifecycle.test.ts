import { hasCode } from '@autopilot/kernel';
import { RUN_STATUSES, type RunStatus } from '@autopilot/contracts';
import { IllegalRunTransitionError } from './run-errors';
import { isFinalRun, transitionRun } from './run-lifecycle';

const legal: ReadonlyArray<[RunStatus, RunStatus]> = [
  ['pending', 'running'],
  ['pending', 'failed'],
  ['pending', 'cancelled'],
  ['running', 'pending'],
  ['running', 'suspended'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'rolled_back'],
  ['suspended', 'pending'],
  ['suspended', 'failed'],
  ['suspended', 'cancelled'],
  ['suspended', 'rolled_back'],
];
const isLegal = (from: RunStatus, to: RunStatus) => legal.some(([f, t]) => f === from && t === to);
const allPairs = RUN_STATUSES.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as const));

describe('run lifecycle', () => {
  it.each(allPairs.filter(([f, t]) => isLegal(f, t)))('allows %s → %s', (from, to) => {
    expect(transitionRun({ id: 'r1', status: from }, to)).toBe(to);
  });

  it.each(allPairs.filter(([f, t]) => !isLegal(f, t)))(
    'refuses %s → %s, naming run, from and to',
    (from, to) => {
      let caught: unknown;
      try {
        transitionRun({ id: 'run-9', status: from }, to);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(IllegalRunTransitionError);
      expect(hasCode(caught, 'MANAGER_ILLEGAL_RUN_TRANSITION')).toBe(true);
      expect(caught).toMatchObject({ runId: 'run-9', from, to });
      expect((caught as Error).message).toContain(`run run-9: illegal transition ${from} → ${to}`);
    },
  );

  it('treats every outcome as final', () => {
    expect(RUN_STATUSES.filter(isFinalRun)).toEqual(['succeeded', 'failed', 'cancelled', 'rolled_back']);
  });
});
