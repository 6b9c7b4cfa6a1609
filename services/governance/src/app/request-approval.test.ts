import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalRequestedV1,
  validateEnvelope,
  type Approval,
  type Envelope,
  type GovernanceRequestApprovalV1,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import { declareOutbox, pendingOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { APPROVAL_COLLECTIONS, AUDIT_LOG, StoreApprovalRepository } from '../adapters/approval-repository';
import { POLICY_COLLECTIONS, StorePolicyRepository } from '../adapters/policy-repository';
import { DecideApprovalUseCase } from './decide-approval';
import { RequestApprovalUseCase } from './request-approval';
import { SweepApprovalsUseCase } from './sweep-approvals';

const DAY = 86_400_000;
let dir: string;
let store: DocumentStore;
let clock: FakeClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-request-approval-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  for (const c of [...POLICY_COLLECTIONS, ...APPROVAL_COLLECTIONS]) await store.ensureCollection(c);
  await declareOutbox(store);
  clock = new FakeClock(Date.parse('2026-03-25T10:00:00.000Z'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function useCases() {
  const ids = ulidSource();
  const envelopes = outboxEnvelopesFor({ source: 'governance', clock, ids });
  const approvals = new StoreApprovalRepository(store, clock);
  const log = { info: () => undefined, warn: () => undefined };
  return {
    request: new RequestApprovalUseCase(
      approvals,
      new StorePolicyRepository(store, clock),
      clock,
      ids,
      envelopes,
    ),
    decide: new DecideApprovalUseCase(approvals, clock, ids, envelopes, log),
    sweep: new SweepApprovalsUseCase(approvals, clock, ids, envelopes),
  };
}

const ask = (approvalId = 'ap-1'): GovernanceRequestApprovalV1 => ({
  approvalId,
  projectId: 'p1',
  taskId: 'risky',
  action: {
    kind: 'task_start',
    riskScore: 0.8,
    paths: ['src/**'],
    summary: 'start task risky (high risk): Do risky',
  },
  reasons: ["semi_auto: high risk needs a person's approval before it runs"],
  ruleIds: ['autonomy.semi_auto'],
});
const outbox = async (): Promise<Envelope[]> => (await pendingOutbox(store, 1000)).map((e) => e.envelope);

describe('governance.request_approval on SQLite (the manager asks before a task starts)', () => {
  it('opens the approval under the id the manager chose, announces and audits it; a resent command opens nothing', async () => {
    const { request } = useCases();
    expect(await request.execute(ask())).toBe('opened');
    expect(await request.execute(ask())).toBe('repeated');
    const requested = (await outbox()).filter(
      (e) => e.type === ApprovalRequestedV1.type,
    ) as Envelope<Approval>[];
    expect(requested).toHaveLength(1);
    expect(validateEnvelope(ApprovalRequestedV1, JSON.parse(JSON.stringify(requested[0])))).toEqual([]);
    expect(requested[0]!.data).toMatchObject({
      id: 'ap-1',
      projectId: 'p1',
      taskId: 'risky',
      status: 'pending',
      action: { kind: 'task_start' },
      ruleIds: ['autonomy.semi_auto'],
      requestedAt: '2026-03-25T10:00:00.000Z',
    });
    expect(requested[0]!.data.expiresAt).toBeDefined();
    const audit = (await store.collection(AUDIT_LOG).find({}, { limit: 10 })).items;
    expect(audit).toEqual([
      expect.objectContaining({ kind: 'evaluation', outcome: 'needs_approval', approvalId: 'ap-1' }),
    ]);
  });

  it('is decided and expired like any approval (approval.decided tells the manager)', async () => {
    const { request, decide, sweep } = useCases();
    await request.execute(ask('ap-1'));
    await request.execute(ask('ap-2'));
    await decide.execute({
      approvalId: 'ap-1',
      projectId: 'p1',
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'ada' },
    });
    clock.advance(8 * DAY);
    await sweep.execute();
    const decided = (await outbox())
      .filter((e) => e.type === 'approval.decided.v1')
      .map((e) => e.data as Approval)
      .map((a) => [a.id, a.status, a.expiryOutcome]);
    expect(decided).toEqual([
      ['ap-1', 'approved', undefined],
      ['ap-2', 'expired', 'reject'],
    ]);
  });
});
