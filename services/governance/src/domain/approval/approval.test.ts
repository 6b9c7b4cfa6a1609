import type { GovernedAction } from '@autopilot/contracts';
import { hasCode } from '@autopilot/kernel';
import {
  approvalCovers,
  decideApproval,
  expireApproval,
  markReminded,
  reminderDue,
  requestApproval,
  toApprovalMessage,
  type ApprovalState,
  type RequestApproval,
} from './approval';
import { ApprovalAlreadyDecidedError, ApprovalExpiredError, ApprovalInputError } from './approval-errors';
import { inboxOrder } from './approval-inbox';

const HOUR = 60 * 60 * 1000;
const action: GovernedAction = { kind: 'command', riskScore: 0.4, paths: [], argv: ['make', 'deploy'] };
const person = { kind: 'user' as const, id: 'u-1' };
const request = (over: Partial<RequestApproval> = {}): RequestApproval => ({
  id: 'ap-1',
  projectId: 'p-1',
  runId: 'run-1',
  taskId: 'task-1',
  stepSeq: 3,
  action,
  actionHash: 'sha256:aaa',
  reasons: ['make deploy is not on the allowlist'],
  ruleIds: ['command.not_allowlisted'],
  motivation: { anchorId: 'anc-1', gapReportId: 'gap-1', proposalId: 'prop-1' },
  now: '2026-01-01T10:00:00.000Z',
  settings: { expiresAfterMs: 24 * HOUR, onExpiry: 'skip_task', remindAfterMs: HOUR },
  ...over,
});

describe('requestApproval', () => {
  it('opens a pending approval linked to run, step, anchor, gap report and proposal', () => {
    const approval = requestApproval(request());
    expect(approval).toMatchObject({
      status: 'pending',
      runId: 'run-1',
      stepSeq: 3,
      motivation: { anchorId: 'anc-1', gapReportId: 'gap-1', proposalId: 'prop-1' },
      expiresAt: '2026-01-02T10:00:00.000Z',
      remindAt: '2026-01-01T11:00:00.000Z',
      onExpiry: 'skip_task',
      revision: 1,
    });
    expect(toApprovalMessage(approval)).not.toHaveProperty('actionHash');
  });

  it.each([
    [{ now: 'yesterday' }, 'now'],
    [
      { settings: { expiresAfterMs: -1, onExpiry: 'reject' as const, remindAfterMs: 1 } },
      'settings.expiresAfterMs',
    ],
    [
      { settings: { expiresAfterMs: 10, onExpiry: 'reject' as const, remindAfterMs: NaN } },
      'settings.remindAfterMs',
    ],
  ])('refuses bad input naming the field: %j', (over, field) => {
    expect(() => requestApproval(request(over))).toThrow(ApprovalInputError);
    expect(() => requestApproval(request(over))).toThrow(field);
  });
});

describe('decideApproval', () => {
  const pending = requestApproval(request());
  const decide = (
    state: ApprovalState,
    decision: 'approved' | 'rejected',
    now = '2026-01-01T12:00:00.000Z',
  ) => decideApproval(state, { decision, decidedBy: person, comment: 'ok', now });

  it('approves a pending approval once', () => {
    const { state, changed } = decide(pending, 'approved');
    expect(changed).toBe(true);
    expect(state).toMatchObject({
      status: 'approved',
      decidedBy: person,
      decidedAt: '2026-01-01T12:00:00.000Z',
      revision: 2,
    });
  });

  it('is a no-op to decide the same way again, even later', () => {
    const first = decide(pending, 'rejected').state;
    const again = decide(first, 'rejected', '2026-01-01T13:00:00.000Z');
    expect(again.changed).toBe(false);
    expect(again.state).toBe(first);
  });

  it('never flips a decision', () => {
    const approved = decide(pending, 'approved').state;
    expect(() => decide(approved, 'rejected')).toThrow(ApprovalAlreadyDecidedError);
    try {
      decide(approved, 'rejected');
    } catch (e) {
      expect(hasCode(e, 'GOVERNANCE_APPROVAL_ALREADY_DECIDED')).toBe(true);
    }
  });

  it('refuses a decision once the expiry passed, stored or not', () => {
    expect(() => decide(pending, 'approved', '2026-01-02T10:00:00.000Z')).toThrow(ApprovalExpiredError);
    const expired = expireApproval(pending, '2026-01-03T00:00:00.000Z').state;
    expect(() => decide(expired, 'approved')).toThrow(ApprovalExpiredError);
    expect(() => decide(expired, 'rejected')).toThrow(ApprovalExpiredError);
  });

  it('accepts a decision from a clock that jumped back before the request', () => {
    expect(decide(pending, 'approved', '2025-12-31T00:00:00.000Z').state.status).toBe('approved');
  });

  it('binds the approval to the action hash: a changed action is not covered', () => {
    const approved = decide(pending, 'approved').state;
    expect(approvalCovers(approved, 'sha256:aaa')).toBe(true);
    expect(approvalCovers(approved, 'sha256:bbb')).toBe(false);
    expect(approvalCovers(pending, 'sha256:aaa')).toBe(false);
  });
});

describe('expireApproval', () => {
  const pending = requestApproval(request());

  it('does nothing before the expiry, or with a clock that jumped back', () => {
    expect(expireApproval(pending, '2026-01-02T09:59:59.999Z').changed).toBe(false);
    expect(expireApproval(pending, '2020-01-01T00:00:00.000Z').changed).toBe(false);
  });

  it.each(['reject', 'skip_task'] as const)('applies the policy default %s at the expiry', (onExpiry) => {
    const state = requestApproval(
      request({ settings: { expiresAfterMs: HOUR, onExpiry, remindAfterMs: HOUR / 2 } }),
    );
    const { state: expired, changed } = expireApproval(state, '2026-01-05T00:00:00.000Z');
    expect(changed).toBe(true);
    expect(expired).toMatchObject({
      status: 'expired',
      expiryOutcome: onExpiry,
      decidedAt: '2026-01-01T11:00:00.000Z',
      decidedBy: { kind: 'system', id: 'governance' },
      revision: 2,
    });
    expect(expireApproval(expired, '2026-01-06T00:00:00.000Z')).toEqual({ state: expired, changed: false });
  });

  it('leaves a decided approval alone', () => {
    const approved = decideApproval(pending, {
      decision: 'approved',
      decidedBy: person,
      now: '2026-01-01T10:30:00.000Z',
    }).state;
    expect(expireApproval(approved, '2026-02-01T00:00:00.000Z').changed).toBe(false);
  });
});

describe('reminders', () => {
  const pending = requestApproval(request());

  it('is due after the configured wait, once', () => {
    expect(reminderDue(pending, '2026-01-01T10:59:59.000Z')).toBe(false);
    expect(reminderDue(pending, '2026-01-01T11:00:00.000Z')).toBe(true);
    const reminded = markReminded(pending, '2026-01-01T11:00:00.000Z');
    expect(reminded.changed).toBe(true);
    expect(reminderDue(reminded.state, '2026-01-01T12:00:00.000Z')).toBe(false);
    expect(markReminded(reminded.state, '2026-01-01T12:00:00.000Z').changed).toBe(false);
  });

  it('is not due once decided or expired', () => {
    const rejected = decideApproval(pending, {
      decision: 'rejected',
      decidedBy: person,
      now: '2026-01-01T10:10:00.000Z',
    }).state;
    expect(reminderDue(rejected, '2026-01-01T12:00:00.000Z')).toBe(false);
    expect(reminderDue(pending, '2026-01-02T10:00:00.000Z')).toBe(false);
  });
});

describe('inboxOrder', () => {
  it('lists pending approvals of every project, oldest first, ties by id', () => {
    const a = requestApproval(request({ id: 'b', projectId: 'p-2', now: '2026-01-01T09:00:00.000Z' }));
    const b = requestApproval(request({ id: 'a', projectId: 'p-1', now: '2026-01-01T09:00:00.000Z' }));
    const c = requestApproval(request({ id: 'c', projectId: 'p-3', now: '2026-01-01T08:00:00+00:00' }));
    const d = requestApproval(request({ id: 'd', now: '2026-01-01T07:00:00.000Z' }));
    const decided = decideApproval(d, {
      decision: 'approved',
      decidedBy: person,
      now: '2026-01-01T07:10:00.000Z',
    }).state;
    expect(inboxOrder([a, decided, b, c]).map((x) => x.id)).toEqual(['c', 'a', 'b']);
  });
});
