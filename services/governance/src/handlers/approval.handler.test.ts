import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalDecidedV1,
  ApprovalRequestedV1,
  GovernanceDecideApprovalV1,
  GovernanceEvaluateV1,
  GovernanceRequestApprovalV1,
  GovernanceWithdrawApprovalV1,
  RepoScannedV1,
} from '@autopilot/contracts';
import { systemClock } from '@autopilot/kernel';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { AUDIT_LOG } from '../adapters/approval-repository';
import { StorePolicyRepository } from '../adapters/policy-repository';
import { command, evaluateOf, scanOf } from '../testing/approval-fixtures';
import { PRICED, projectOf } from '../testing/budget-fixtures';
import { startGovernanceHost, type GovernanceHost } from '../testing/governance-host';

let dir: string;
let store: DocumentStore;
let gov: GovernanceHost;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-approval-handlers-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  gov = await startGovernanceHost(store, [ApprovalRequestedV1, ApprovalDecidedV1], { settings: PRICED });
});
afterEach(async () => {
  await gov.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const decide = (approvalId: string, decision: 'approved' | 'rejected') =>
  gov.publishAs('gateway', GovernanceDecideApprovalV1, {
    approvalId,
    projectId: 'p1',
    decision,
    decidedBy: { kind: 'user', id: 'alice' },
  });

describe('governance approval handlers over the in-process bus', () => {
  it('evaluate → approval.requested → decide (gateway) → approval.decided → evaluate allows', async () => {
    await gov.projectUpdated(projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }));
    await gov.publishAs('ingestion', RepoScannedV1, scanOf('p1'));
    await eventually(async () =>
      expect((await new StorePolicyRepository(store, systemClock).get('p1'))?.scan).toBeDefined(),
    );
    expect(
      await gov.bus.request(GovernanceEvaluateV1, evaluateOf('p1', command('npm', 'test'))),
    ).toMatchObject({
      decision: 'allow',
    });
    const asked = await gov.bus.request(GovernanceEvaluateV1, evaluateOf('p1', command('make', 'deploy')));
    expect(asked).toMatchObject({ decision: 'needs_approval', approvalId: expect.any(String) });
    await eventually(() => expect(gov.seen.map((e) => e.type)).toEqual([ApprovalRequestedV1.type]));

    await decide(asked.approvalId!, 'approved');
    await eventually(() =>
      expect(gov.seen.map((e) => e.type)).toEqual([ApprovalRequestedV1.type, ApprovalDecidedV1.type]),
    );
    expect(gov.seen[1]!).toMatchObject({
      source: 'governance',
      projectId: 'p1',
      data: { status: 'approved' },
    });
    expect(
      await gov.bus.request(GovernanceEvaluateV1, evaluateOf('p1', command('make', 'deploy'))),
    ).toMatchObject({
      decision: 'allow',
      approvalId: asked.approvalId,
    });

    // The same decision again: a no-op; the other one: refused, dead-lettered, never flipped.
    await decide(asked.approvalId!, 'approved');
    await decide(asked.approvalId!, 'rejected');
    await decide('no-such-approval', 'approved');
    await eventually(async () => {
      const letters = await gov.bus.listDeadLetters({ consumer: 'governance-decide-approval' });
      expect(letters).toHaveLength(2);
      expect(letters.map((l) => l.reason).join('\n')).toMatch(/already approved[\s\S]*no-such-approval/);
    });
    await eventually(async () =>
      expect(
        (await store.collection(AUDIT_LOG).find({ kind: 'decision' })).items.map((e) => e.effect),
      ).toEqual(['applied', 'repeated', 'refused', 'refused']),
    );
    expect(gov.seen.filter((e) => e.type === ApprovalDecidedV1.type)).toHaveLength(1);
  });

  it('a withdrawal that arrives before its request waits for it, then closes it (manager → governance)', async () => {
    await gov.projectUpdated(projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }));
    // The manager asked, then resumed the run another way and withdrew: on two subjects, the
    // withdrawal may be taken first.
    await gov.publishAs('manager', GovernanceWithdrawApprovalV1, {
      approvalId: 'ap-budget',
      projectId: 'p1',
      reason: "the run resumed: its project's run cap was raised",
    });
    await gov.publishAs('manager', GovernanceRequestApprovalV1, {
      approvalId: 'ap-budget',
      projectId: 'p1',
      taskId: 't1',
      runId: 'r1',
      action: {
        kind: 'budget_extension',
        riskScore: 0.5,
        paths: [],
        budget: { runId: 'r1', extraUsd: 1 },
        summary: 'continue run r1 with $1.00 more',
      },
      reasons: ['the run reached its budget cap of $1.00'],
      ruleIds: ['budget.run_cap'],
    });
    await eventually(() =>
      expect(gov.seen.map((e) => [e.type, (e.data as { status: string }).status])).toEqual([
        [ApprovalRequestedV1.type, 'pending'],
        [ApprovalDecidedV1.type, 'expired'],
      ]),
    );
    expect(gov.seen[1]!.data).toMatchObject({
      comment: expect.stringMatching(/^withdrawn: the run resumed/),
    });
    expect(await gov.bus.listDeadLetters({ consumer: 'governance-withdraw-approval' })).toEqual([]);
  });
});
