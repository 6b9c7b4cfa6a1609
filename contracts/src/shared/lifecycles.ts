import type { Static } from '@sinclair/typebox';
import { AUTONOMY_MODES } from '../names';
import { StringEnum } from './string-enum';

/** DESIGN.md section 5. `ready` only once every dependency succeeded. */
export const TASK_STATUSES = [
  'blocked',
  'ready',
  'queued',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export const TaskStatus = StringEnum(TASK_STATUSES, {
  description:
    'blocked → ready → queued → running → (awaiting_approval) → succeeded | failed | skipped | cancelled',
});
export type TaskStatus = Static<typeof TaskStatus>;

/** DESIGN.md section 5: one attempt at a task. A suspended run has freed its worker. */
export const RUN_STATUSES = [
  'pending',
  'running',
  'suspended',
  'succeeded',
  'failed',
  'cancelled',
  'rolled_back',
] as const;
export const RunStatus = StringEnum(RUN_STATUSES, {
  description: 'pending → running → (suspended) → succeeded | failed | cancelled | rolled_back',
});
export type RunStatus = Static<typeof RunStatus>;

/** The terminal run statuses: how a run ended. */
export const RUN_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'rolled_back'] as const;
export const RunOutcome = StringEnum(RUN_OUTCOMES, { description: 'How the run ended' });
export type RunOutcome = Static<typeof RunOutcome>;

/** Why a run stopped without ending: it waits for a person or for budget, holding no worker. */
export const SUSPEND_REASONS = ['awaiting_approval', 'awaiting_budget'] as const;
export const SuspendReason = StringEnum(SUSPEND_REASONS, { description: 'What the suspended run waits for' });
export type SuspendReason = Static<typeof SuspendReason>;

/** DESIGN.md section 5. */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export const ApprovalStatus = StringEnum(APPROVAL_STATUSES, {
  description: 'pending → approved | rejected | expired',
});
export type ApprovalStatus = Static<typeof ApprovalStatus>;

/** DESIGN.md section 5. */
export { AUTONOMY_MODES };
export const AutonomyMode = StringEnum(AUTONOMY_MODES, {
  description:
    'off: nothing runs; suggest: plans and proposals only; semi_auto: runs low-risk work, asks for the rest; ' +
    'full_auto: runs everything policy allows (never merges to the default branch)',
});
export type AutonomyMode = Static<typeof AutonomyMode>;
