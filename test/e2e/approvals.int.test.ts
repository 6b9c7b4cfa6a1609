import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  ApprovalDecidedV1,
  ApprovalRequestedV1,
  GovernanceDecideApprovalV1,
  GovernanceEvaluateV1,
  ProjectUpdatedV1,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { eventually } from '@autopilot/testing';
import { startServicesOnNats, type ServicesOnNats } from './services-on-nats';

/**
 * Issue 14, governance item 3 on a real nats-server: the governance service alone on JetStream (its
 * SQLite store). A worker's action needs approval; the approval is announced, a person decides it
 * through the gateway's command, the decision is announced, and the same action is then allowed.
 */
describe('approvals bound to action hashes over NATS', () => {
  const run = Date.now().toString(36);
  const projectId = `project-approval-${run}`;
  let services: ServicesOnNats;
  let worker: JetStreamMessageBus;
  let manager: JetStreamMessageBus;
  let gateway: JetStreamMessageBus;
  const requested: ApprovalRequestedV1[] = [];
  const decided: ApprovalDecidedV1[] = [];

  beforeAll(async () => {
    services = await startServicesOnNats([{ definition: governanceService }], 'ap-approvals-');
    worker = await services.connectAs('worker');
    manager = await services.connectAs('manager');
    gateway = await services.connectAs('gateway');
    await gateway.subscribe(ApprovalRequestedV1, `obs-approval-requested-${run}`, async (d) => {
      if (d.payload.projectId === projectId) requested.push(d.payload);
    });
    await gateway.subscribe(ApprovalDecidedV1, `obs-approval-decided-${run}`, async (d) => {
      if (d.payload.projectId === projectId) decided.push(d.payload);
    });
  }, 60_000);
  afterAll(() => services?.stop());

  const evaluate = (argv: string[]) =>
    worker.request(
      GovernanceEvaluateV1,
      {
        projectId,
        runId: 'run-1',
        taskId: 'task-1',
        stepSeq: 1,
        action: { kind: 'command', riskScore: 0.1, paths: [], argv },
        worktree: { root: '/tmp/worktree' },
      },
      { timeoutMs: 20_000 },
    );

  it('evaluate → approval.requested → decide → approval.decided → evaluate allows the same action only', async () => {
    await manager.publish(ProjectUpdatedV1, {
      id: projectId,
      name: 'Approval test',
      repo: { location: '/tmp/approval-test', defaultBranch: 'main' },
      autonomyMode: 'full_auto',
      maxParallel: 2,
      budgets: { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 },
      paused: false,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      revision: 1,
    });
    let asked = await evaluate(['make', 'deploy']);
    await eventually(
      async () => {
        asked = await evaluate(['make', 'deploy']);
        expect(asked.decision).toBe('needs_approval');
      },
      { timeoutMs: 20_000 },
    );
    await eventually(() => expect(requested.map((a) => a.id)).toEqual([asked.approvalId]), {
      timeoutMs: 20_000,
    });

    await gateway.publish(GovernanceDecideApprovalV1, {
      approvalId: asked.approvalId!,
      projectId,
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'alice' },
      comment: 'fine',
    });
    await eventually(() => expect(decided).toHaveLength(1), { timeoutMs: 20_000 });
    expect(decided[0]).toMatchObject({
      id: asked.approvalId,
      status: 'approved',
      decidedBy: { id: 'alice' },
    });

    expect(await evaluate(['make', 'deploy'])).toMatchObject({
      decision: 'allow',
      approvalId: asked.approvalId,
    });
    expect(await evaluate(['make', 'deploy', '--prod'])).toMatchObject({ decision: 'needs_approval' });
  }, 90_000);
});
