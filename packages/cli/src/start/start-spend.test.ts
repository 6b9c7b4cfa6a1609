import { describe, expect, it } from '@jest/globals';
import { localDateOf, spendOf } from './start-spend';

describe('spendOf', () => {
  const caps = { runUsd: 2, dailyUsd: 10, weeklyUsd: 50 };
  it("counts every run of the local day and of its ISO week, and the day's most expensive run", () => {
    const runs = [
      { costUsd: 0.5, at: '2026-03-04T10:00:00.000Z' }, // Wednesday
      { costUsd: 0.25, at: '2026-03-04T23:30:00.000Z' }, // Thursday 00:30 in Berlin
      { costUsd: 1, at: '2026-03-02T08:00:00.000Z' }, // Monday, same week
      { costUsd: 4, at: '2026-03-01T12:00:00.000Z' }, // Sunday: the week before
    ];
    expect(spendOf(runs, caps, localDateOf('2026-03-04'), 'Europe/Berlin')).toEqual([
      { budget: 'run', spentUsd: 0.5, capUsd: 2 },
      { budget: 'daily', spentUsd: 0.5, capUsd: 10 },
      { budget: 'weekly', spentUsd: 1.75, capUsd: 50 },
    ]);
    expect(spendOf(runs, caps, localDateOf('2026-03-04'), 'UTC')[1]).toMatchObject({ spentUsd: 0.75 });
  });
});
