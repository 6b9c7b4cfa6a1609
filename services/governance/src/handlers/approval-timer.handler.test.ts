import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalDecidedV1,
  ApprovalReminderV1,
  ApprovalRequestedV1,
  GovernanceEvaluateV1,
} from '@autopilot/contracts';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock } from '@autopilot/testing';
import { command, evaluateOf } from '../testing/approval-fixtures';
import { PRICED, projectOf } from '../testing/budget-fixtures';
import { startGovernanceHost, type GovernanceHost } from '../testing/governance-host';

const HOUR = 3_600_000;
let dir: string;
let store: DocumentStore;
let gov: GovernanceHost;
const clock = new FakeClock(Date.parse('2026-03-25T10:00:00.000Z'));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-approval-timer-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  gov = await startGovernanceHost(store, [ApprovalRequestedV1, ApprovalReminderV1, ApprovalDecidedV1], {
    settings: { ...PRICED, approvalSweepMs: 60_000 },
    clock,
    timers: clock,
  });
});
afterEach(async () => {
  await gov.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("governance's approval timer in the service host", () => {
  it('sends the reminder once after the wait, then expires the approval to its default', async () => {
    await gov.projectUpdated(projectOf('p1', { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 }));
    await eventually(async () =>
      expect(
        (await gov.bus.request(GovernanceEvaluateV1, evaluateOf('p1', command('make', 'deploy')))).decision,
      ).toBe('needs_approval'),
    );
    await eventually(() => expect(gov.seen.map((e) => e.type)).toEqual([ApprovalRequestedV1.type]));
    await clock.advanceAsync(HOUR);
    await eventually(() => expect(gov.seen.map((e) => e.type)).toContain(ApprovalReminderV1.type));
    await clock.advanceAsync(2 * 60_000);
    await clock.advanceAsync(23 * HOUR);
    await eventually(() =>
      expect(gov.seen.map((e) => e.type)).toEqual([
        ApprovalRequestedV1.type,
        ApprovalReminderV1.type,
        ApprovalDecidedV1.type,
      ]),
    );
    expect(gov.seen[2]!.data).toMatchObject({
      status: 'expired',
      expiryOutcome: 'reject',
      decidedBy: { kind: 'system' },
    });
  });
});
