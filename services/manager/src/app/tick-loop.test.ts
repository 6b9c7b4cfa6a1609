import { FakeClock } from '@autopilot/testing';
import { DEFAULT_MANAGER_SETTINGS } from '../manager-settings';
import type { DailySummaryUseCase } from './daily-summary.use-case';
import type { ManagerLog } from './ports';
import type { RunTickUseCase } from './run-tick.use-case';
import { TickLoop } from './tick-loop';

describe('TickLoop', () => {
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  // The loop gives each tick a turn of the event loop to gather requests; two turns see it run.
  const settle = async (): Promise<void> => {
    await turn();
    await turn();
  };

  function loop(execute: () => Promise<unknown>) {
    const clock = new FakeClock();
    const warnings: unknown[] = [];
    const log: ManagerLog = {
      info: () => undefined,
      warn: (msg, fields) => warnings.push({ msg, ...fields }),
    };
    const ticks = new TickLoop(
      { execute } as unknown as RunTickUseCase,
      { rollover: async () => [] } as unknown as DailySummaryUseCase,
      clock,
      { ...DEFAULT_MANAGER_SETTINGS, tickMs: 5_000, maxParallel: 1 },
      log,
    );
    return { clock, ticks, warnings };
  }

  it('ticks at start and every tickMs of the clock, one at a time, folding requests into one more tick', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const { clock, ticks } = loop(async () => {
      calls += 1;
      await new Promise<void>((resolve) => (release = resolve));
    });
    ticks.onApplicationBootstrap();
    await settle();
    expect(calls).toBe(1);
    ticks.request();
    ticks.request();
    clock.advance(5_000);
    release();
    await settle();
    expect(calls).toBe(2);
    release();
    await ticks.idle();
    expect(calls).toBe(2);
    clock.advance(5_000);
    await settle();
    expect(calls).toBe(3);
    release();
    await ticks.onApplicationShutdown();
    clock.advance(50_000);
    ticks.request();
    await settle();
    expect(calls).toBe(3);
  });

  it('logs a failed tick and carries on with the next', async () => {
    let calls = 0;
    const { clock, ticks, warnings } = loop(async () => {
      calls += 1;
      if (calls === 1) throw new Error('store unavailable');
    });
    ticks.onApplicationBootstrap();
    await ticks.idle();
    expect(warnings).toEqual([
      { msg: 'tick failed; the next one tries again', err: new Error('store unavailable') },
    ]);
    clock.advance(5_000);
    await ticks.idle();
    expect(calls).toBe(2);
    await ticks.onApplicationShutdown();
  });
});
