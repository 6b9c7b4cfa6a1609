import type { ApprovalState } from './approval';
import { instant } from './approval';

/**
 * One inbox across every project: pending approvals, oldest request first; ties by id, so the
 * order is the same on every replica and every page.
 */
export function inboxOrder(approvals: readonly ApprovalState[]): ApprovalState[] {
  return approvals
    .filter((a) => a.status === 'pending')
    .map((a) => ({ a, at: instant(`approvals[${a.id}].requestedAt`, a.requestedAt) }))
    .sort((x, y) => x.at - y.at || (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0))
    .map(({ a }) => a);
}
