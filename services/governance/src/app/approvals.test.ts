import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalDecidedV1,
  ApprovalReminderV1,
  ApprovalRequestedV1,
  type Envelope,
  type GovernanceDecideApprovalV1,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import {
  declareOutbox,
  pendingOutbox,
  type Collection,
  type Doc,
  type DocumentStore,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { APPROVAL_COLLECTIONS, AUDIT_LOG, StoreApprovalRepository } from '../adapters/approval-repository';
import { POLICY_COLLECTIONS, StorePolicyRepository } from '../adapters/policy-repository';
import { projectOf } from '../testing/budget-fixtures';
import { command, evaluateOf, scanOf } from '../testing/approval-fixtures';
import { ApprovalDecisionRefusedError, DecideApprovalUseCase } from './decide-approval';
import { EvaluateActionUseCase } from './evaluate-action';
import { RecordProjectPolicyUseCase } from './record-project-policy';
import { SweepApprovalsUseCase } from './sweep-approvals';
import { WithdrawApprovalUseCase } from './withdraw-approval';

const HOUR = 3_600_000;
let dir: string;
let raw: DocumentStore;
let store: DocumentStore;
let clock: FakeClock;
/** Every write method called on the audit log, through the store or a transaction. */
let auditWrites: string[];

/** `raw`, except that the audit log's collection records which write methods are called on it. */
function spyingStore(): DocumentStore {
  const spy = <T extends Doc>(name: string, c: Collection<T>): Collection<T> => {
    if (name !== AUDIT_LOG) return c;
    return new Proxy(c, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!['get', 'find', 'count'].includes(String(prop))) auditWrites.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  };
  return {
    collection: (name) => spy(name, raw.collection(name)),
    ensureCollection: (spec) => raw.ensureCollection(spec),
    close: () => raw.close(),
    transaction: (fn) =>
      raw.transaction((tx) => fn({ collection: (name) => spy(name, tx.collection(name)) })),
  } as DocumentStore;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-approvals-'));
  raw = await openSqliteStore({ file: join(dir, 'governance.db') });
  for (const c of [...POLICY_COLLECTIONS, ...APPROVAL_COLLECTIONS]) await raw.ensureCollection(c);
  await declareOutbox(raw);
  auditWrites = [];
  store = spyingStore();
  clock = new FakeClock(Date.parse('2026-03-25T10:00:00.000Z'));
});
afterEach(async () => {
  await raw.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(opts: { mode?: 'full_auto' | 'semi_auto' | 'off' } = {}) {
  const ids = ulidSource();
  const envelopes = outboxEnvelopesFor({ source: 'governance', clock, ids });
  const policies = new StorePolicyRepository(store, clock);
  const approvals = new StoreApprovalRepository(store, clock);
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => void warnings.push(m) };
  const record = new RecordProjectPolicyUseCase(policies);
  await record.fromProject({
    ...projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }),
    autonomyMode: opts.mode ?? 'full_auto',
  });
  await record.fromScan(scanOf('p1'));
  return {
    record,
    warnings,
    evaluate: new EvaluateActionUseCase(policies, approvals, clock, ids, envelopes),
    decide: new DecideApprovalUseCase(approvals, clock, ids, envelopes, log),
    sweep: new SweepApprovalsUseCase(approvals, clock, ids, envelopes),
    withdraw: new WithdrawApprovalUseCase(approvals, clock, ids, envelopes, log),
  };
}
const outbox = async (): Promise<Envelope[]> => (await pendingOutbox(raw, 1000)).map((e) => e.envelope);
const audit = async () =>
  (await raw.collection(AUDIT_LOG).find({}, { sort: { at: 1 }, limit: 1000 })).items as unknown as Array<
    Doc & { kind: string; outcome: string; effect?: string; approvalId?: string; version?: number }
  >;
const decision = (
  approvalId: string,
  d: 'approved' | 'rejected',
  over: Partial<GovernanceDecideApprovalV1> = {},
): GovernanceDecideApprovalV1 => ({
  approvalId,
  projectId: 'p1',
  decision: d,
  decidedBy: { kind: 'user', id: 'alice' },
  comment: 'looked at it',
  ...over,
});

describe('governance.evaluate, approvals and the audit log on SQLite', () => {
  it('allows an allowlisted command from the scan, and denies a merge into the default branch naming the rule', async () => {
    const { evaluate } = await setup();
    expect(await evaluate.execute(evaluateOf('p1', command('npm', 'test', '--', 'a.test.ts')))).toMatchObject(
      {
        decision: 'allow',
      },
    );
    const merge = await evaluate.execute(
      evaluateOf('p1', { kind: 'merge', riskScore: 0, paths: [], targetBranch: 'main' }),
    );
    expect(merge).toMatchObject({ decision: 'deny', ruleIds: ['merge.default_branch'] });
    expect(merge.approvalId).toBeUndefined();
    expect(await evaluate.execute(evaluateOf('p1', command('sudo', 'npm', 'test')))).toMatchObject({
      decision: 'deny',
    });
    // Denials and allows open nothing and publish nothing.
    expect(await outbox()).toEqual([]);
    expect((await audit()).map((e) => e.outcome)).toEqual(['allow', 'deny', 'deny']);
  });

  it('denies every action of a project governance has not heard of, and a file action without its diff', async () => {
    const { evaluate } = await setup();
    expect(await evaluate.execute(evaluateOf('p-unknown', command('npm', 'test')))).toMatchObject({
      decision: 'deny',
      ruleIds: ['project.unknown'],
    });
    expect(
      await evaluate.execute(evaluateOf('p1', { kind: 'file_write', riskScore: 0, paths: ['src/a.ts'] })),
    ).toMatchObject({ decision: 'deny', ruleIds: ['action.diff_missing'] });
  });

  it('needs_approval opens one approval per exact action; approved, the same action is allowed and a changed one asks again', async () => {
    const { evaluate, decide } = await setup();
    const deploy = evaluateOf('p1', command('make', 'deploy'));
    const first = await evaluate.execute(deploy);
    expect(first).toMatchObject({ decision: 'needs_approval', ruleIds: ['command.not_allowlisted'] });
    expect(first.approvalId).toEqual(expect.any(String));
    // Asked again while pending (a retry, a lost reply): the same approval, no second event.
    expect(await evaluate.execute(deploy)).toEqual(first);
    let events = await outbox();
    expect(events.map((e) => e.type)).toEqual([ApprovalRequestedV1.type]);
    expect(events[0]!.data).toMatchObject({
      id: first.approvalId,
      status: 'pending',
      runId: 'run-1',
      stepSeq: 1,
      expiresAt: '2026-03-26T10:00:00.000Z',
    });

    expect(await decide.execute(decision(first.approvalId!, 'approved'))).toBe('applied');
    events = await outbox();
    expect(events.map((e) => e.type)).toEqual([ApprovalRequestedV1.type, ApprovalDecidedV1.type]);
    expect(events[1]!.data).toMatchObject({ status: 'approved', decidedBy: { id: 'alice' } });

    expect(await evaluate.execute(deploy)).toMatchObject({
      decision: 'allow',
      ruleIds: ['approval.approved'],
      approvalId: first.approvalId,
    });
    const changed = await evaluate.execute(evaluateOf('p1', command('make', 'deploy', '--prod')));
    expect(changed.decision).toBe('needs_approval');
    expect(changed.approvalId).not.toBe(first.approvalId);

    // A file action is bound to its diff: the same path with another diff needs a new approval.
    const write = (sha: string) =>
      evaluateOf('p1', {
        kind: 'file_write',
        riskScore: 0,
        paths: ['deploy/prod.yml'],
        diff: { insertions: 1, deletions: 0, sha256: sha.repeat(64) },
      });
    const a = await evaluate.execute(write('a'));
    expect(a).toMatchObject({ decision: 'needs_approval', ruleIds: ['path.protected'] });
    await decide.execute(decision(a.approvalId!, 'approved'));
    expect((await evaluate.execute(write('a'))).decision).toBe('allow');
    expect((await evaluate.execute(write('b'))).decision).toBe('needs_approval');
  });

  it('decisions are idempotent and never flip; unknown and expired approvals are refused, audited and warned', async () => {
    const { evaluate, decide, warnings } = await setup();
    const { approvalId } = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    expect(await decide.execute(decision(approvalId!, 'rejected'))).toBe('applied');
    expect(await decide.execute(decision(approvalId!, 'rejected'))).toBe('repeated');
    const flip = await decide.execute(decision(approvalId!, 'approved')).catch((e: unknown) => e);
    expect(flip).toBeInstanceOf(ApprovalDecisionRefusedError);
    expect(flip).toMatchObject({
      reason: 'already_decided',
      message: expect.stringContaining('already rejected'),
    });
    const unknown = await decide.execute(decision('nope', 'approved')).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ reason: 'unknown', message: expect.stringContaining('nope') });
    const otherProject = await decide
      .execute(decision(approvalId!, 'approved', { projectId: 'p2' }))
      .catch((e: unknown) => e);
    expect(otherProject).toMatchObject({ reason: 'unknown' });
    expect(warnings).toHaveLength(3);
    // One approval.decided only; the rejected action is denied when asked again.
    expect((await outbox()).filter((e) => e.type === ApprovalDecidedV1.type)).toHaveLength(1);
    expect(await evaluate.execute(evaluateOf('p1', command('make', 'deploy')))).toMatchObject({
      decision: 'deny',
      ruleIds: ['approval.rejected'],
    });
    expect((await audit()).filter((e) => e.kind === 'decision').map((e) => e.effect)).toEqual([
      'applied',
      'repeated',
      'refused',
      'refused',
      'refused',
    ]);

    const late = await evaluate.execute(evaluateOf('p1', command('make', 'release')));
    clock.advance(25 * HOUR);
    const expired = await decide.execute(decision(late.approvalId!, 'approved')).catch((e: unknown) => e);
    expect(expired).toMatchObject({ reason: 'expired' });
  });

  it('reminds once after the wait, then expires to the policy default with approval.decided by the system', async () => {
    const { evaluate, sweep } = await setup();
    const { approvalId } = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    expect(await sweep.execute()).toEqual({ expired: 0, reminded: 0 });
    clock.advance(HOUR);
    expect(await sweep.execute()).toEqual({ expired: 0, reminded: 1 });
    expect(await sweep.execute()).toEqual({ expired: 0, reminded: 0 });
    clock.advance(23 * HOUR);
    expect(await sweep.execute()).toEqual({ expired: 1, reminded: 0 });
    expect(await sweep.execute()).toEqual({ expired: 0, reminded: 0 });
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual([
      ApprovalRequestedV1.type,
      ApprovalReminderV1.type,
      ApprovalDecidedV1.type,
    ]);
    expect(events[2]!.data).toMatchObject({
      id: approvalId,
      status: 'expired',
      expiryOutcome: 'reject',
      decidedBy: { kind: 'system', id: 'governance' },
      decidedAt: '2026-03-26T10:00:00.000Z',
    });
    // Asked again after the expiry: a new approval.
    const again = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    expect(again.approvalId).not.toBe(approvalId);
  });

  it('a withdrawal closes a pending approval as expired with its reason, leaves a decided one, and waits for one not recorded yet', async () => {
    const { evaluate, decide, sweep, withdraw } = await setup();
    const reason = "the run resumed: its project's run cap was raised";
    const pending = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    const answered = await evaluate.execute(evaluateOf('p1', command('make', 'release')));
    await decide.execute(decision(answered.approvalId!, 'approved'));

    expect(await withdraw.execute({ approvalId: pending.approvalId!, projectId: 'p1', reason })).toBe(
      'withdrawn',
    );
    expect(await withdraw.execute({ approvalId: answered.approvalId!, projectId: 'p1', reason })).toBe(
      'already_decided',
    );
    // Again (a redelivery): nothing more.
    expect(await withdraw.execute({ approvalId: pending.approvalId!, projectId: 'p1', reason })).toBe(
      'already_decided',
    );
    const decided = (await outbox()).filter((e) => e.type === ApprovalDecidedV1.type).map((e) => e.data);
    expect(decided).toEqual([
      expect.objectContaining({ id: answered.approvalId, status: 'approved' }),
      expect.objectContaining({
        id: pending.approvalId,
        status: 'expired',
        decidedAt: clock.isoNow(),
        decidedBy: { kind: 'system', id: 'governance' },
        comment: `withdrawn: ${reason}`,
      }),
    ]);
    expect(decided[1]).not.toHaveProperty('expiryOutcome');
    // A person can no longer answer it, and no reminder or expiry follows.
    await expect(decide.execute(decision(pending.approvalId!, 'approved'))).rejects.toMatchObject({
      reason: 'expired',
    });
    clock.advance(48 * HOUR);
    expect(await sweep.execute()).toEqual({ expired: 0, reminded: 0 });
    expect((await audit()).filter((e) => e.kind === 'withdrawal')).toEqual([
      expect.objectContaining({ approvalId: pending.approvalId, outcome: 'expired' }),
    ]);

    // Before its request has landed (commands on two subjects keep no order): retried, not dropped.
    await expect(withdraw.execute({ approvalId: 'not-yet', projectId: 'p1', reason })).rejects.toMatchObject({
      code: 'GOVERNANCE_APPROVAL_NOT_YET_REQUESTED',
    });
  });

  it('expires a pending approval past its expiry when the same action is evaluated before the sweep', async () => {
    const { evaluate } = await setup();
    const first = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    clock.advance(25 * HOUR);
    const second = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    expect(second.approvalId).not.toBe(first.approvalId);
    expect((await outbox()).map((e) => [e.type, (e.data as { status: string }).status])).toEqual([
      [ApprovalRequestedV1.type, 'pending'],
      [ApprovalDecidedV1.type, 'expired'],
      [ApprovalRequestedV1.type, 'pending'],
    ]);
  });

  it('keeps project.updated and repo.scanned in order: older ones change nothing; off denies everything', async () => {
    const { record, evaluate } = await setup({ mode: 'off' });
    expect(await evaluate.execute(evaluateOf('p1', command('npm', 'test')))).toMatchObject({
      decision: 'deny',
      ruleIds: ['mode.off'],
    });
    expect(await record.fromScan(scanOf('p1', '2025-12-31T00:00:00.000Z'))).toBe(false);
    expect(await record.fromProject(projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }))).toBe(false);
    expect(
      await record.fromProject({ ...projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }), revision: 2 }),
    ).toBe(true);
    expect((await evaluate.execute(evaluateOf('p1', command('npm', 'test')))).decision).toBe('allow');
  });

  it('appends every evaluation, decision, reminder and expiry to the audit log, and never updates an entry', async () => {
    const { evaluate, decide, sweep } = await setup();
    const a = await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    await decide.execute(decision(a.approvalId!, 'approved'));
    await decide.execute(decision(a.approvalId!, 'approved'));
    await evaluate.execute(evaluateOf('p1', command('make', 'deploy')));
    await evaluate.execute(evaluateOf('p1', command('make', 'other')));
    clock.advance(HOUR);
    await sweep.execute();
    clock.advance(24 * HOUR);
    await sweep.execute();
    const entries = await audit();
    expect(entries.map((e) => `${e.kind}:${e.outcome}`)).toEqual([
      'evaluation:needs_approval',
      'evaluation:needs_approval',
      'decision:approved',
      'decision:approved',
      'evaluation:allow',
      'evaluation:needs_approval',
      'reminder:pending',
      'expiry:expired',
    ]);
    expect(new Set(entries.map((e) => e._id)).size).toBe(entries.length);
    // Only ever inserted into: no upsert, replace, increment or delete reached the collection.
    expect(new Set(auditWrites)).toEqual(new Set(['insert']));
    expect(auditWrites).toHaveLength(entries.length);
  });
});
