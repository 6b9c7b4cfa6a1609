import type { RiskLevel } from '@autopilot/contracts';
import type { TickCandidate } from './tick-types';

const RISK_RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

export const priorityOf = (c: TickCandidate): number => c.priority ?? 100;
export const riskOf = (c: TickCandidate): RiskLevel => c.risk ?? 'medium';
export const difficultyOf = (c: TickCandidate): number => c.difficulty ?? 0.5;

/**
 * Scheduling order: priority (lower first), then risk (lower first: cheap, safe progress comes
 * before what may need a person), then learned difficulty (easier first), then task id, so equal
 * tasks always come out in the same order.
 */
export function compareCandidates(a: TickCandidate, b: TickCandidate): number {
  return (
    priorityOf(a) - priorityOf(b) ||
    RISK_RANK[riskOf(a)] - RISK_RANK[riskOf(b)] ||
    difficultyOf(a) - difficultyOf(b) ||
    (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0) ||
    (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0)
  );
}
