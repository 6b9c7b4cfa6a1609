import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BudgetExceededV1,
  BudgetUpdatedV1,
  validateEnvelope,
  type Envelope,
  type BudgetExceededV1 as BudgetExceeded,
  type BudgetUpdatedV1 as BudgetUpdated,
  type GovernanceReserveBudgetV1,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import { declareOutbox, pendingOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { APPROVAL_COLLECTIONS, StoreApprovalRepository } from '../adapters/approval-repository';
import { BUDGET_LEDGER_COLLECTIONS, StoreBudgetLedgerRepository } from '../adapters/budget-ledger-repository';
import { POLICY_COLLECTIONS, StorePolicyRepository } from '../adapters/policy-repository';
import {
  PROJECT_BUDGET_COLLECTIONS,
  StoreProjectBudgetRepository,
} from '../adapters/project-budget-repository';
import type { GovernanceSettings } from '../governance-settings';
import { PRICED, projectOf } from '../testing/budget-fixtures';
import { DecideApprovalUseCase } from './decide-approval';
import { RecordProjectBudgetUseCase } from './record-project-budget';
import { RequestApprovalUseCase } from './request-approval';
import { ReserveBudgetUseCase } from './reserve-budget';
import { SettleBudgetUseCase } from './settle-budget';

let dir: string;
let store: DocumentStore;
let clock: FakeClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-budget-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  for (const c of [
    ...PROJECT_BUDGET_COLLECTIONS,
    ...BUDGET_LEDGER_COLLECTIONS,
    ...APPROVAL_COLLECTIONS,
    ...POLICY_COLLECTIONS,
  ])
    await store.ensureCollection(c);
  await declareOutbox(store);
  // Wednesday 2026-03-25 10:00 UTC.
  clock = new FakeClock(Date.parse('2026-03-25T10:00:00.000Z'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function useCases(settings: GovernanceSettings = PRICED) {
  const ids = ulidSource();
  const envelopes = outboxEnvelopesFor({ source: 'governance', clock, ids });
  const ledger = new StoreBudgetLedgerRepository(store, clock);
  const approvals = new StoreApprovalRepository(store, clock);
  const log = { info: () => undefined, warn: () => undefined };
  return {
    record: new RecordProjectBudgetUseCase(new StoreProjectBudgetRepository(store, clock)),
    reserve: new ReserveBudgetUseCase(ledger, settings, clock, envelopes, approvals),
    settle: new SettleBudgetUseCase(ledger, settings, clock, envelopes),
    requestApproval: new RequestApprovalUseCase(
      approvals,
      new StorePolicyRepository(store, clock),
      clock,
      ids,
      envelopes,
    ),
    decideApproval: new DecideApprovalUseCase(approvals, clock, ids, envelopes, log),
  };
}
const outbox = async (): Promise<Envelope[]> => (await pendingOutbox(store, 1000)).map((e) => e.envelope);
const ask = (over: Partial<GovernanceReserveBudgetV1> = {}): GovernanceReserveBudgetV1 => ({
  projectId: 'p1',
  runId: 'run-1',
  estimateUsd: 1,
  purpose: 'llm_call test-model',
  ...over,
});
const CAPS = { runUsd: 5, dailyUsd: 10, weeklyUsd: 20 };

describe('budget use cases on the embedded SQLite store', () => {
  it('refuses a reservation for a project governance never heard of (fail closed), writing nothing', async () => {
    const { reserve } = useCases();
    const reply = await reserve.execute(ask(), { requestId: 'req-1' });
    expect(reply).toEqual({
      granted: false,
      reason: expect.stringContaining('project "p1" is unknown to governance'),
      remaining: { run: 0, daily: 0, weekly: 0 },
    });
    expect(await outbox()).toEqual([]);
  });

  it('grants within the caps, announces budget.updated, and answers a repeat of the id without reserving twice', async () => {
    const { record, reserve } = useCases();
    await record.execute(projectOf('p1', CAPS, { timezone: 'Europe/Berlin' }));

    const first = await reserve.execute(ask({ reservationId: 'res-1' }), { requestId: 'req-1' });
    const again = await reserve.execute(ask({ reservationId: 'res-1' }), { requestId: 'req-2' });

    expect(first).toEqual({
      granted: true,
      reservationId: 'res-1',
      remaining: { run: 4, daily: 9, weekly: 19 },
    });
    expect(again).toEqual(first);
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual([BudgetUpdatedV1.type]);
    expect(validateEnvelope(BudgetUpdatedV1, JSON.parse(JSON.stringify(events[0])))).toEqual([]);
    expect(events[0]!.data).toMatchObject({
      projectId: 'p1',
      caps: CAPS,
      // Midnight in Berlin (UTC+1 in March before the switch), and that week's Monday.
      daily: { periodStart: '2026-03-24T23:00:00.000Z', spentUsd: 0, reservedUsd: 1 },
      weekly: { periodStart: '2026-03-22T23:00:00.000Z', spentUsd: 0, reservedUsd: 1 },
      run: { runId: 'run-1', spentUsd: 0, reservedUsd: 1 },
      revision: 1,
    });
    expect(events[0]!.source).toBe('governance');
  });

  it('without a reservation id, the request envelope id makes a retried request idempotent', async () => {
    const { record, reserve } = useCases();
    await record.execute(projectOf('p1', CAPS));
    const a = await reserve.execute(ask(), { requestId: 'req-9' });
    const b = await reserve.execute(ask(), { requestId: 'req-9' });
    expect(a).toMatchObject({ granted: true, reservationId: 'req-9' });
    expect(b).toEqual(a);
  });

  it('prices the worst case from the price table and refuses an unknown model by name', async () => {
    const { record, reserve } = useCases();
    await record.execute(projectOf('p1', CAPS));
    // 100k input (20k cached) and 50k max output: 80k x $2 + 20k x $0.5 + 50k x $8 per million = $0.57.
    const priced = await reserve.execute(
      ask({
        estimateUsd: 0.01,
        model: 'test-model',
        inputTokens: 100_000,
        cachedInputTokens: 20_000,
        maxTokens: 50_000,
      }),
      { requestId: 'req-1' },
    );
    expect(priced).toMatchObject({ granted: true, remaining: { run: 4.43 } });

    const unknown = await reserve.execute(ask({ model: 'mystery-9', inputTokens: 10, maxTokens: 10 }), {
      requestId: 'req-2',
    });
    expect(unknown).toMatchObject({
      granted: false,
      reason: expect.stringContaining('"mystery-9" is not in the price table'),
    });

    const noTokens = await reserve.execute(ask({ model: 'test-model' }), { requestId: 'req-3' });
    expect(noTokens).toMatchObject({ granted: false, reason: expect.stringContaining('maxTokens') });
  });

  it('refuses absurd figures and an id reused for a different reservation, leaving the ledger as it was', async () => {
    const { record, reserve } = useCases();
    await record.execute(projectOf('p1', CAPS));
    await reserve.execute(ask({ reservationId: 'res-1' }), { requestId: 'r' });
    expect(await reserve.execute(ask({ estimateUsd: 1e9 }), { requestId: 'r2' })).toMatchObject({
      granted: false,
      reason: expect.stringContaining('estimateUsd'),
    });
    expect(
      await reserve.execute(ask({ reservationId: 'res-1', estimateUsd: 2 }), { requestId: 'r3' }),
    ).toMatchObject({
      granted: false,
      reason: expect.stringContaining('already used for a different reservation'),
    });
    expect(await reserve.execute(ask({ reservationId: 'res-2' }), { requestId: 'r4' })).toMatchObject({
      remaining: { run: 3 },
    });
  });

  it('refuses a reservation that would pass a cap with budget.exceeded naming the scope', async () => {
    const { record, reserve } = useCases();
    await record.execute(projectOf('p1', { runUsd: 5, dailyUsd: 2, weeklyUsd: 20 }));
    await reserve.execute(ask({ runId: 'a', estimateUsd: 1.5 }), { requestId: 'r1' });
    const refused = await reserve.execute(ask({ runId: 'b', estimateUsd: 1 }), { requestId: 'r2' });
    expect(refused).toMatchObject({
      granted: false,
      exceededScope: 'daily',
      reason: expect.stringContaining('daily cap of 2 USD'),
      remaining: { run: 5, daily: 0.5, weekly: 18.5 },
    });
    const exceeded = (await outbox()).filter((e) => e.type === BudgetExceededV1.type);
    expect(exceeded).toHaveLength(1);
    expect(validateEnvelope(BudgetExceededV1, JSON.parse(JSON.stringify(exceeded[0])))).toEqual([]);
    expect(exceeded[0]!.data).toMatchObject({
      projectId: 'p1',
      runId: 'b',
      scope: 'daily',
      capUsd: 2,
      spentUsd: 1.5,
      requestedUsd: 1,
      periodStart: '2026-03-25T00:00:00.000Z',
      // The next day in the project's zone (UTC here): the manager resumes the project then.
      reopensAt: '2026-03-26T00:00:00.000Z',
    });
  });

  it('"continue with $X more": an approved budget_extension raises that run\'s cap, and only that run\'s', async () => {
    const { record, reserve, requestApproval, decideApproval } = useCases();
    await record.execute(projectOf('p1', CAPS));
    expect(
      await reserve.execute(ask({ estimateUsd: 4.5, reservationId: 'r1' }), { requestId: 'q1' }),
    ).toMatchObject({
      granted: true,
    });
    const over = ask({ estimateUsd: 2, reservationId: 'r2' });
    expect(await reserve.execute(over, { requestId: 'q2' })).toMatchObject({
      granted: false,
      exceededScope: 'run',
    });

    const extension = (approvalId: string, extraUsd: number) => ({
      approvalId,
      projectId: 'p1',
      taskId: 't1',
      runId: 'run-1',
      action: {
        kind: 'budget_extension' as const,
        riskScore: 0.5,
        paths: [],
        budget: { runId: 'run-1', extraUsd },
        summary: `continue run run-1 with $${extraUsd} more`,
      },
      reasons: ['the run reached its cap of $5'],
      ruleIds: ['budget.run_cap'],
    });
    // Asked but not decided, and then rejected: the cap stays.
    await requestApproval.execute(extension('ap-rejected', 100));
    expect(
      await reserve.execute(ask({ estimateUsd: 2, reservationId: 'r3' }), { requestId: 'q3' }),
    ).toMatchObject({
      granted: false,
    });
    await decideApproval.execute({
      approvalId: 'ap-rejected',
      projectId: 'p1',
      decision: 'rejected',
      decidedBy: { kind: 'user', id: 'ana' },
    });
    expect(
      await reserve.execute(ask({ estimateUsd: 2, reservationId: 'r4' }), { requestId: 'q4' }),
    ).toMatchObject({
      granted: false,
    });

    await requestApproval.execute(extension('ap-approved', 5));
    await decideApproval.execute({
      approvalId: 'ap-approved',
      projectId: 'p1',
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'ana' },
    });
    expect(
      await reserve.execute(ask({ estimateUsd: 2, reservationId: 'r5' }), { requestId: 'q5' }),
    ).toMatchObject({
      granted: true,
      remaining: { run: 3.5 },
    });
    // The run's new cap is $10: $6.50 held, so $4 more passes it.
    expect(
      await reserve.execute(ask({ estimateUsd: 4, reservationId: 'r6' }), { requestId: 'q6' }),
    ).toMatchObject({
      granted: false,
      exceededScope: 'run',
    });
    // Another run of the project keeps the project's run cap.
    expect(
      await reserve.execute(ask({ runId: 'run-2', estimateUsd: 5.5, reservationId: 'r7' }), {
        requestId: 'q7',
      }),
    ).toMatchObject({ granted: false, exceededScope: 'run' });
  });

  it('counts the optional global caps across projects', async () => {
    const { record, reserve } = useCases({
      ...PRICED,
      globalCaps: { timeZone: 'UTC', dailyMicros: 3_000_000 },
    });
    await record.execute(projectOf('p1', CAPS));
    await record.execute(projectOf('p2', CAPS));
    expect(await reserve.execute(ask({ estimateUsd: 2 }), { requestId: 'r1' })).toMatchObject({
      granted: true,
    });
    expect(
      await reserve.execute(ask({ projectId: 'p2', estimateUsd: 2 }), { requestId: 'r2' }),
    ).toMatchObject({
      granted: false,
      exceededScope: 'global_daily',
    });
  });

  it('settles: releases the rest, warns at 80 %, exceeds at 100 % once, and a repeat changes nothing', async () => {
    const { record, reserve, settle } = useCases();
    await record.execute(projectOf('p1', { runUsd: 10, dailyUsd: 10, weeklyUsd: 100 }));
    const settleReq = (reservationId: string, actualUsd: number) => ({
      projectId: 'p1',
      runId: 'run-1',
      reservationId,
      actualUsd,
    });
    await reserve.execute(ask({ reservationId: 'a', estimateUsd: 9 }), { requestId: 'r1' });
    const first = await settle.execute(settleReq('a', 8.5));
    expect(first).toEqual({
      settled: true,
      releasedUsd: 0.5,
      overrunUsd: 0,
      remaining: { run: 1.5, daily: 1.5, weekly: 91.5 },
    });
    expect(await settle.execute(settleReq('a', 8.5))).toEqual(first);

    await reserve.execute(ask({ reservationId: 'b', estimateUsd: 1 }), { requestId: 'r2' });
    const second = await settle.execute(settleReq('b', 2));
    expect(second).toMatchObject({ overrunUsd: 1, remaining: { run: 0, daily: 0 } });

    const events = await outbox();
    const updates = events.filter((e) => e.type === BudgetUpdatedV1.type).map((e) => e.data as BudgetUpdated);
    expect(updates.map((u) => u.revision)).toEqual([1, 2, 3, 4]);
    expect(updates.map((u) => u.warning?.scope)).toEqual([undefined, 'run', undefined, undefined]);
    const exceeded = events
      .filter((e) => e.type === BudgetExceededV1.type)
      .map((e) => e.data as BudgetExceeded);
    expect(exceeded.map((x) => x.scope)).toEqual(['run', 'daily']);
    for (const e of events) {
      const def = e.type === BudgetUpdatedV1.type ? BudgetUpdatedV1 : BudgetExceededV1;
      expect(validateEnvelope(def, JSON.parse(JSON.stringify(e)))).toEqual([]);
    }
  });

  it('prices reported usage at the reservation model and refuses settling an unknown or foreign reservation', async () => {
    const { record, reserve, settle } = useCases();
    await record.execute(projectOf('p1', CAPS));
    await reserve.execute(
      ask({
        reservationId: 'm',
        estimateUsd: 0,
        model: 'test-model',
        inputTokens: 100_000,
        maxTokens: 100_000,
      }),
      { requestId: 'r' },
    );
    // Held $1.00 (100k x $2 + 100k x $8 per million); used 100k input, 50k output: $0.60.
    const settled = await settle.execute({
      projectId: 'p1',
      runId: 'run-1',
      reservationId: 'm',
      actualUsd: 0.1,
      usage: { inputTokens: 100_000, cachedInputTokens: 0, outputTokens: 50_000 },
    });
    expect(settled).toMatchObject({ releasedUsd: 0.4, overrunUsd: 0 });
    await expect(
      settle.execute({ projectId: 'p1', runId: 'run-1', reservationId: 'nope', actualUsd: 1 }),
    ).rejects.toMatchObject({ code: 'GOVERNANCE_BUDGET_UNKNOWN_RESERVATION' });
    await expect(
      settle.execute({ projectId: 'p2', runId: 'run-1', reservationId: 'm', actualUsd: 1 }),
    ).rejects.toMatchObject({ code: 'GOVERNANCE_BUDGET_RESERVATION_CONFLICT' });
  });

  it('keeps the newest project.updated and refuses reservations under caps that are not valid', async () => {
    const { record, reserve } = useCases();
    expect(await record.execute(projectOf('p1', CAPS, { revision: 2 }))).toBe(true);
    expect(
      await record.execute(projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }, { revision: 1 })),
    ).toBe(false);
    expect(await reserve.execute(ask({ estimateUsd: 4 }), { requestId: 'r1' })).toMatchObject({
      granted: true,
    });

    await record.execute(projectOf('p1', CAPS, { revision: 3, timezone: 'Mars/Olympus' }));
    expect(await reserve.execute(ask(), { requestId: 'r2' })).toMatchObject({
      granted: false,
      reason: expect.stringContaining('Mars/Olympus'),
    });
    await record.execute(projectOf('p1', { runUsd: 0, dailyUsd: 1, weeklyUsd: 1 }, { revision: 4 }));
    expect(await reserve.execute(ask(), { requestId: 'r3' })).toMatchObject({
      granted: false,
      reason: expect.stringContaining('caps.runUsd'),
    });
  });

  it('50 concurrent reservations against a small cap: the sum reserved never passes it', async () => {
    const { record, reserve } = useCases();
    // $1 a day; 50 calls of $0.03 each: exactly 33 fit.
    await record.execute(projectOf('p1', { runUsd: 100, dailyUsd: 1, weeklyUsd: 100 }));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        reserve.execute(ask({ runId: `run-${i}`, estimateUsd: 0.03, reservationId: `c-${i}` }), {
          requestId: `r-${i}`,
        }),
      ),
    );
    const granted = replies.filter((r) => r.granted);
    expect(granted).toHaveLength(33);
    expect(replies.filter((r) => !r.granted).every((r) => r.exceededScope === 'daily')).toBe(true);
    const updates = (await outbox()).filter((e) => e.type === BudgetUpdatedV1.type);
    const daily = updates.map((e) => (e.data as BudgetUpdated).daily.reservedUsd);
    expect(Math.max(...daily)).toBeCloseTo(0.99, 6);
    expect(updates.map((e) => (e.data as BudgetUpdated).revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 33 }, (_, i) => i + 1),
    );
  });
});
