import { nextTurn } from '@autopilot/kernel';
import { countEventLoopTurns } from './event-loop-turns';

describe('countEventLoopTurns', () => {
  it('counts turns of the event loop, and none while work holds it', async () => {
    const turns = countEventLoopTurns();
    // Synchronous work and microtasks: the loop never turns.
    for (let i = 0; i < 1000; i++) await Promise.resolve();
    expect(turns.count).toBe(0);
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(turns.count).toBeGreaterThanOrEqual(2);
    turns.stop();
    const stoppedAt = turns.count;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(turns.count).toBeLessThanOrEqual(stoppedAt + 1);
  });
});
