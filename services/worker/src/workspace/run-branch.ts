import { runBranchName as branchName } from '@autopilot/contracts';

/** Prefix of every branch a run writes; nothing outside it is ever written. */
export const RUN_BRANCH_PREFIX = 'autopilot/';

/** The all-zero object id: a run recorded with it starts from the default branch's tip. */
export const ZERO_COMMIT = '0'.repeat(40);

/** The run branch of a task named `task` (the contracts' one rule, for a run the manager did not name). */
export function runBranchName(task: string, runId: string): string {
  return branchName(task, runId);
}

/** True for names this service may write: under `autopilot/` and not the default branch. */
export function isRunBranch(branch: string, defaultBranch: string): boolean {
  return (
    branch.startsWith(RUN_BRANCH_PREFIX) &&
    branch.length > RUN_BRANCH_PREFIX.length &&
    branch !== defaultBranch &&
    !branch.includes('..')
  );
}
