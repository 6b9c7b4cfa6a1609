import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteError } from '@autopilot/bus';
import {
  BudgetExceededV1,
  BudgetUpdatedV1,
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
} from '@autopilot/contracts';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { StoreProjectBudgetRepository } from '../adapters/project-budget-repository';
import { PRICED, projectOf } from '../testing/budget-fixtures';
import { startGovernanceHost, type GovernanceHost } from '../testing/governance-host';
import { systemClock } from '@autopilot/kernel';

let dir: string;
let store: DocumentStore;
let gov: GovernanceHost;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-handlers-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  gov = await startGovernanceHost(store, [BudgetUpdatedV1, BudgetExceededV1], { settings: PRICED });
});
afterEach(async () => {
  await gov.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const known = (projectId: string) =>
  eventually(async () =>
    expect(await new StoreProjectBudgetRepository(store, systemClock).get(projectId)).not.toBeNull(),
  );
const reserveReq = (i: number, estimateUsd = 0.03) => ({
  projectId: 'p1',
  runId: `run-${i}`,
  estimateUsd,
  purpose: 'llm_call test-model',
  reservationId: `res-${i}`,
});

describe('governance budget handlers over the in-process bus', () => {
  it('refuses before project.updated, grants after it, settles, and announces through the outbox', async () => {
    expect(await gov.bus.request(GovernanceReserveBudgetV1, reserveReq(0))).toMatchObject({
      granted: false,
      reason: expect.stringContaining('unknown to governance'),
    });
    await gov.projectUpdated(projectOf('p1', { runUsd: 1, dailyUsd: 10, weeklyUsd: 50 }));
    await known('p1');

    const granted = await gov.bus.request(GovernanceReserveBudgetV1, reserveReq(1, 1));
    expect(granted).toEqual({
      granted: true,
      reservationId: 'res-1',
      remaining: { run: 0, daily: 9, weekly: 49 },
    });
    // A retried request (a lost reply) reserves once.
    expect(await gov.bus.request(GovernanceReserveBudgetV1, reserveReq(1, 1))).toEqual(granted);

    const settled = await gov.bus.request(GovernanceSettleBudgetV1, {
      projectId: 'p1',
      runId: 'run-1',
      reservationId: 'res-1',
      actualUsd: 1,
    });
    expect(settled).toMatchObject({ settled: true, releasedUsd: 0, overrunUsd: 0 });

    await eventually(() =>
      expect(gov.seen.map((e) => e.type)).toEqual([
        BudgetUpdatedV1.type,
        BudgetUpdatedV1.type,
        BudgetExceededV1.type,
      ]),
    );
    expect(gov.seen.every((e) => e.source === 'governance' && e.projectId === 'p1')).toBe(true);
    expect(gov.seen[2]!.data).toMatchObject({ scope: 'run', capUsd: 1 });
  });

  it('answers a settle of an unknown reservation with a RemoteError carrying the code', async () => {
    const failure = await gov.bus
      .request(GovernanceSettleBudgetV1, { projectId: 'p1', runId: 'r', reservationId: 'nope', actualUsd: 1 })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'GOVERNANCE_BUDGET_UNKNOWN_RESERVATION' });
  });

  it('50 concurrent reservations through the bus never pass a $1 daily cap', async () => {
    await gov.projectUpdated(projectOf('p1', { runUsd: 100, dailyUsd: 1, weeklyUsd: 100 }));
    await known('p1');
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gov.bus.request(GovernanceReserveBudgetV1, reserveReq(i))),
    );
    expect(replies.filter((r) => r.granted)).toHaveLength(33);
    expect(Math.min(...replies.map((r) => r.remaining.daily))).toBeGreaterThanOrEqual(0);
    await eventually(() => expect(gov.seen.filter((e) => e.type === BudgetExceededV1.type)).toHaveLength(17));
  });
});
