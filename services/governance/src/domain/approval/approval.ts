import type { Actor, Approval as ApprovalMessage, ApprovalMotivation } from '@autopilot/contracts';
import type { GovernedAction } from '@autopilot/contracts';
import type { ApprovalSettings, ExpiryDefault } from '../policy/project-policy';
import { ApprovalAlreadyDecidedError, ApprovalExpiredError, ApprovalInputError } from './approval-errors';

/**
 * One approval's lifecycle (DESIGN.md section 5): pending → approved | rejected | expired. Pure: the
 * app passes `now`, ids and the action hash. The state is the contract's `Approval` (what
 * `approval.requested` / `approval.decided` carry) plus what governance keeps to itself.
 */
export interface ApprovalState extends ApprovalMessage {
  /** `actionHash` of the exact action: an approval covers that action and no other. */
  readonly actionHash: string;
  /** What a pending approval turns into when nobody answers before `expiresAt`. */
  readonly onExpiry: ExpiryDefault;
  /** When the reminder is due (`approval.reminder`); absent once sent. */
  readonly remindAt?: string;
  readonly remindedAt?: string;
  /** Set when expired: what the expiry default decided. */
  readonly expiryOutcome?: ExpiryDefault;
}

export interface RequestApproval {
  readonly id: string;
  readonly projectId: string;
  readonly runId?: string;
  readonly taskId?: string;
  readonly stepSeq?: number;
  readonly action: GovernedAction;
  readonly actionHash: string;
  readonly reasons: readonly string[];
  readonly ruleIds: readonly string[];
  readonly motivation: ApprovalMotivation;
  readonly now: string;
  readonly settings: ApprovalSettings;
}

/** Milliseconds since the epoch of an ISO timestamp, or a typed error naming the field. */
export function instant(field: string, iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(iso)) {
    throw new ApprovalInputError(field, `${JSON.stringify(iso)} is not an ISO 8601 timestamp`);
  }
  return ms;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function duration(field: string, ms: number): number {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new ApprovalInputError(field, `${ms} is not a positive whole number of ms`);
  return ms;
}

/** A new pending approval, with its expiry and reminder from the policy's settings. */
export function requestApproval(cmd: RequestApproval): ApprovalState {
  const at = instant('now', cmd.now);
  const expiresAfter = duration('settings.expiresAfterMs', cmd.settings.expiresAfterMs);
  const remindAfter = duration('settings.remindAfterMs', cmd.settings.remindAfterMs);
  return {
    id: cmd.id,
    projectId: cmd.projectId,
    ...(cmd.runId !== undefined ? { runId: cmd.runId } : {}),
    ...(cmd.taskId !== undefined ? { taskId: cmd.taskId } : {}),
    ...(cmd.stepSeq !== undefined ? { stepSeq: cmd.stepSeq } : {}),
    action: cmd.action,
    reasons: [...cmd.reasons],
    ruleIds: [...cmd.ruleIds],
    motivation: { ...cmd.motivation },
    status: 'pending',
    requestedAt: iso(at),
    expiresAt: iso(at + expiresAfter),
    ...(remindAfter < expiresAfter ? { remindAt: iso(at + remindAfter) } : {}),
    actionHash: cmd.actionHash,
    onExpiry: cmd.settings.onExpiry,
    revision: 1,
  };
}

export interface DecideApproval {
  readonly decision: 'approved' | 'rejected';
  readonly decidedBy: Actor;
  readonly comment?: string;
  readonly now: string;
}

/**
 * A person's decision. Idempotent: the same decision again returns the state unchanged (`changed`
 * false; the app publishes nothing); a different one throws `ApprovalAlreadyDecidedError`. An
 * expired approval, or a pending one whose expiry has passed, refuses with `ApprovalExpiredError`:
 * the app then expires it.
 */
export function decideApproval(
  state: ApprovalState,
  cmd: DecideApproval,
): { readonly state: ApprovalState; readonly changed: boolean } {
  const at = instant('now', cmd.now);
  switch (state.status) {
    case 'approved':
    case 'rejected':
      if (state.status === cmd.decision) return { state, changed: false };
      throw new ApprovalAlreadyDecidedError(state.id, state.status, cmd.decision);
    case 'expired':
      throw new ApprovalExpiredError(state.id, state.expiresAt ?? state.decidedAt ?? state.requestedAt);
    case 'pending':
      if (state.expiresAt !== undefined && at >= instant('expiresAt', state.expiresAt)) {
        throw new ApprovalExpiredError(state.id, state.expiresAt);
      }
      return {
        changed: true,
        state: {
          ...state,
          status: cmd.decision,
          decidedAt: iso(at),
          decidedBy: cmd.decidedBy,
          ...(cmd.comment !== undefined ? { comment: cmd.comment } : {}),
          revision: state.revision + 1,
        },
      };
    default: {
      const never: never = state.status;
      throw new ApprovalInputError('status', `unknown status ${String(never)}`);
    }
  }
}

/**
 * Expires a pending approval whose expiry has passed, applying its default (`reject`, or
 * `skip_task`). Anything else, or a clock before the expiry (including one that jumped back), is a
 * no-op. `decidedAt` is the expiry itself, not `now`, so a late timer records the same state.
 */
export function expireApproval(
  state: ApprovalState,
  now: string,
): { readonly state: ApprovalState; readonly changed: boolean } {
  const at = instant('now', now);
  if (state.status !== 'pending' || state.expiresAt === undefined) return { state, changed: false };
  if (at < instant('expiresAt', state.expiresAt)) return { state, changed: false };
  return { changed: true, state: closedBySystem(state, state.expiresAt, { expiryOutcome: state.onExpiry }) };
}

/**
 * Closes a pending approval whose question no longer matters (its run resumed another way, e.g. a
 * raised cap): `expired` now, by the system, with the reason as its comment and no policy default
 * (nothing is rejected or skipped: the work already goes on). A decided or expired approval stays
 * as it is: a person's answer is never overwritten.
 */
export function withdrawApproval(
  state: ApprovalState,
  withdrawal: { readonly reason: string; readonly now: string },
): { readonly state: ApprovalState; readonly changed: boolean } {
  if (state.status !== 'pending') return { state, changed: false };
  const comment = `withdrawn: ${withdrawal.reason}`.slice(0, 4000);
  return { changed: true, state: closedBySystem(state, withdrawal.now, { comment }) };
}

/** A pending approval closed as `expired` by governance itself at `decidedAt`, its reminder dropped. */
function closedBySystem(
  state: ApprovalState,
  decidedAt: string,
  how: Pick<ApprovalState, 'expiryOutcome'> | Pick<ApprovalState, 'comment'>,
): ApprovalState {
  const { remindAt: _remindAt, ...rest } = state;
  return {
    ...rest,
    ...how,
    status: 'expired',
    decidedAt,
    decidedBy: { kind: 'system', id: 'governance' },
    revision: state.revision + 1,
  };
}

/** True when a pending approval's reminder is due at `now` and was not sent yet. */
export function reminderDue(state: ApprovalState, now: string): boolean {
  if (state.status !== 'pending' || state.remindAt === undefined || state.remindedAt !== undefined)
    return false;
  const at = instant('now', now);
  if (state.expiresAt !== undefined && at >= instant('expiresAt', state.expiresAt)) return false;
  return at >= instant('remindAt', state.remindAt);
}

/** Records that the reminder went out; a second call is a no-op. */
export function markReminded(
  state: ApprovalState,
  now: string,
): { readonly state: ApprovalState; readonly changed: boolean } {
  if (!reminderDue(state, now)) return { state, changed: false };
  return {
    changed: true,
    state: { ...state, remindedAt: iso(instant('now', now)), revision: state.revision + 1 },
  };
}

/** Whether this approval lets exactly the action hashed `hash` run. */
export function approvalCovers(state: ApprovalState, hash: string): boolean {
  return state.status === 'approved' && state.actionHash === hash;
}

/** The contract shape (`approval.requested` / `approval.decided`): governance's own fields left out. */
export function toApprovalMessage(state: ApprovalState): ApprovalMessage {
  const {
    actionHash: _actionHash,
    onExpiry: _onExpiry,
    remindAt: _remindAt,
    remindedAt: _remindedAt,
    ...message
  } = state;
  return message;
}
