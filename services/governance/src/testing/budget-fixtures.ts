import type { ProjectUpdatedV1 } from '@autopilot/contracts';
import type { GovernanceSettings } from '../governance-settings';

/** Settings with one priced model, `test-model`: $2 input, $0.5 cached input, $8 output per million tokens. */
export const PRICED: GovernanceSettings = {
  priceTable: {
    'test-model': { inputUsdPerMillion: 2, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 8 },
  },
  approvalSweepMs: 30_000,
};

/** A `project.updated` payload with the given caps (USD) and schedule zone. */
export function projectOf(
  id: string,
  caps: { runUsd: number; dailyUsd: number; weeklyUsd: number },
  opts: { revision?: number; timezone?: string } = {},
): ProjectUpdatedV1 {
  return {
    id,
    name: `Project ${id}`,
    repo: { location: '/tmp/repo', defaultBranch: 'main' },
    autonomyMode: 'full_auto',
    maxParallel: 4,
    budgets: caps,
    ...(opts.timezone ? { schedule: { timezone: opts.timezone, windows: [] } } : {}),
    paused: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    revision: opts.revision ?? 1,
  };
}
