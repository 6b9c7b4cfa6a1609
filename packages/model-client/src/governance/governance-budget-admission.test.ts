import {
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
  type GovernanceReserveBudgetV1 as ReserveRequest,
  type GovernanceSettleBudgetV1 as SettleRequest,
} from '@autopilot/contracts';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { GovernanceBudgetAdmission } from './governance-budget-admission';

const REMAINING = { run: 1, daily: 5, weekly: 20 };

describe('GovernanceBudgetAdmission over the bus (governance.reserve_budget / settle_budget)', () => {
  let bus: InProcessMessageBus;
  const reserves: ReserveRequest[] = [];
  const settles: SettleRequest[] = [];

  beforeEach(async () => {
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    reserves.length = 0;
    settles.length = 0;
    await bus.serve(GovernanceReserveBudgetV1, (req) => {
      reserves.push(req);
      return Promise.resolve(
        req.estimateUsd > 1
          ? {
              granted: false,
              reason: 'the run cap would be passed',
              exceededScope: 'run' as const,
              remaining: REMAINING,
            }
          : { granted: true, reservationId: req.reservationId!, remaining: REMAINING },
      );
    });
    await bus.serve(GovernanceSettleBudgetV1, (req) => {
      settles.push(req);
      return Promise.resolve({ settled: true, releasedUsd: 0, overrunUsd: 0, remaining: REMAINING });
    });
  });
  afterEach(() => bus.close());

  const request = {
    reservationId: 'res-1',
    projectId: 'p1',
    runId: 'run-1',
    taskId: 't1',
    purpose: 'worker_code step 1',
    model: 'gpt-4.1-mini',
    estimateUsd: 0.02,
    inputTokens: 1200,
    maxTokens: 2000,
  };

  it('reserves with the model and token counts so governance prices the worst case itself', async () => {
    const admission = new GovernanceBudgetAdmission(bus);
    expect(await admission.reserve(request)).toEqual({ granted: true, reservationId: 'res-1' });
    expect(reserves).toEqual([
      {
        projectId: 'p1',
        runId: 'run-1',
        estimateUsd: 0.02,
        purpose: 'worker_code step 1',
        reservationId: 'res-1',
        model: 'gpt-4.1-mini',
        inputTokens: 1200,
        cachedInputTokens: 0,
        maxTokens: 2000,
      },
    ]);
  });

  it('passes a refusal on with the cap that refused', async () => {
    const admission = new GovernanceBudgetAdmission(bus);
    expect(await admission.reserve({ ...request, estimateUsd: 3 })).toEqual({
      granted: false,
      reason: 'the run cap would be passed',
      scope: 'run',
    });
  });

  it('settles with the reported usage, and releases as a settlement of nothing', async () => {
    const admission = new GovernanceBudgetAdmission(bus, { runIdOutsideRuns: 'planning' });
    const usage = { inputTokens: 1100, cachedInputTokens: 100, outputTokens: 250 };
    await admission.settle({
      reservationId: 'res-1',
      projectId: 'p1',
      runId: 'run-1',
      actualUsd: 0.004,
      usage,
    });
    await admission.release({ reservationId: 'res-2', projectId: 'p1' });
    expect(settles).toEqual([
      { projectId: 'p1', runId: 'run-1', reservationId: 'res-1', actualUsd: 0.004, usage },
      {
        projectId: 'p1',
        runId: 'planning',
        reservationId: 'res-2',
        actualUsd: 0,
        usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
      },
    ]);
  });
});
