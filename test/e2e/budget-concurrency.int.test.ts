import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  BudgetExceededV1,
  BudgetUpdatedV1,
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
  ProjectUpdatedV1,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { eventually } from '@autopilot/testing';
import { startServicesOnNats, type ServicesOnNats } from './services-on-nats';

/**
 * Issue 14, governance item 4 on a real nats-server: the governance service alone on JetStream
 * (its SQLite store), the manager's `project.updated` and 50 concurrent worker reservations against
 * a small daily cap. The sum reserved never passes the cap and exactly as many are granted as fit.
 */
describe('hard budgets under concurrent reservations over NATS', () => {
  const run = Date.now().toString(36);
  const projectId = `project-budget-${run}`;
  let services: ServicesOnNats;
  let worker: JetStreamMessageBus;
  let manager: JetStreamMessageBus;
  const updated: BudgetUpdatedV1[] = [];
  const exceeded: BudgetExceededV1[] = [];

  beforeAll(async () => {
    services = await startServicesOnNats([{ definition: governanceService }], 'ap-budget-');
    // The roles the contracts name as producers: requests from the worker, projects from the manager.
    worker = await services.connectAs('worker');
    manager = await services.connectAs('manager');
    await worker.subscribe(BudgetUpdatedV1, `obs-budget-updated-${run}`, async (d) => {
      if (d.payload.projectId === projectId) updated.push(d.payload);
    });
    await worker.subscribe(BudgetExceededV1, `obs-budget-exceeded-${run}`, async (d) => {
      if (d.payload.projectId === projectId) exceeded.push(d.payload);
    });
  }, 60_000);
  afterAll(() => services?.stop());

  const reserve = (i: number) =>
    worker.request(
      GovernanceReserveBudgetV1,
      {
        projectId,
        runId: `run-${i}`,
        estimateUsd: 0.03,
        purpose: 'llm_call concurrency test',
        reservationId: `${run}-res-${i}`,
      },
      { timeoutMs: 20_000 },
    );

  it('grants exactly the 33 of 50 concurrent $0.03 reservations that fit under a $1 daily cap', async () => {
    // Before the manager announced the project: refused, fail closed.
    expect(await reserve(-1)).toMatchObject({ granted: false, reason: expect.stringContaining('unknown') });

    await manager.publish(ProjectUpdatedV1, {
      id: projectId,
      name: 'Budget test',
      repo: { location: '/tmp/budget-test', defaultBranch: 'main' },
      autonomyMode: 'full_auto',
      maxParallel: 8,
      budgets: { runUsd: 100, dailyUsd: 1, weeklyUsd: 100 },
      paused: false,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      revision: 1,
    });
    await eventually(async () => expect((await reserve(0)).granted).toBe(true), { timeoutMs: 20_000 });

    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => reserve(i + 1)));
    const granted = replies.filter((r) => r.granted);
    // Reservation 0 took $0.03 first: 32 more fit, 18 are refused on the daily cap.
    expect(granted).toHaveLength(32);
    expect(replies.filter((r) => !r.granted).every((r) => r.exceededScope === 'daily')).toBe(true);
    expect(new Set(granted.map((r) => r.reservationId)).size).toBe(32);

    // A retry of a granted request (a lost reply) answers the same grant and reserves nothing more.
    const g = replies.findIndex((r) => r.granted);
    expect(await reserve(g + 1)).toMatchObject({
      granted: true,
      reservationId: replies[g]!.reservationId,
      remaining: { daily: 0.01 },
    });

    await eventually(
      () => {
        expect(updated).toHaveLength(33);
        expect(exceeded).toHaveLength(18);
      },
      { timeoutMs: 20_000 },
    );
    const reserved = Math.max(...updated.map((u) => u.daily.reservedUsd));
    expect(reserved).toBeLessThanOrEqual(1);
    expect(reserved).toBeCloseTo(0.99, 6);
    expect(updated.map((u) => u.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 33 }, (_, i) => i + 1),
    );

    const settled = await worker.request(GovernanceSettleBudgetV1, {
      projectId,
      runId: `run-${g + 1}`,
      reservationId: replies[g]!.reservationId!,
      actualUsd: 0.01,
    });
    expect(settled).toMatchObject({ settled: true, releasedUsd: 0.02 });
  }, 90_000);
});
