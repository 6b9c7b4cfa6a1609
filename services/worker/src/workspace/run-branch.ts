/** Prefix of every branch a run writes; nothing outside it is ever written. */
export const RUN_BRANCH_PREFIX = 'autopilot/';

/** The all-zero object id: a run recorded with it starts from the default branch's tip. */
export const ZERO_COMMIT = '0'.repeat(40);

const SLUG_MAX = 40;
const SHORT_ID = 8;

/**
 * `autopilot/<task-slug>-<short run id>`: the slug is the task's title or slug lowercased with runs
 * of anything but `a-z0-9` turned into `-` (at most 40 characters); the short id is the run id's last
 * 8 alphanumerics lowercased. Run ids are ULIDs, whose leading characters are a timestamp shared by
 * runs made in the same millisecond; the trailing ones are the random part.
 */
export function runBranchName(task: string, runId: string): string {
  const slug =
    task
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, SLUG_MAX)
      .replace(/^-+|-+$/g, '') || 'task';
  const id = runId.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${RUN_BRANCH_PREFIX}${slug}-${id.slice(-SHORT_ID) || 'run'}`;
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
