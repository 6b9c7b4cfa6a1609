/** Longest task slug in a branch name, so names stay readable in `git branch` listings. */
const MAX_SLUG = 40;
const SHORT_RUN_ID = 8;

/**
 * A task's title as a branch-name slug: lowercased, runs of anything but `a-z0-9` turned into `-`,
 * at most 40 characters. The same rule as the workspace's (workspace/run-branch.ts), so the name
 * the run loop asks for is the one the worktree gets.
 */
export function taskSlug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, MAX_SLUG)
      .replace(/^-+|-+$/g, '') || 'task'
  );
}

/**
 * The run's branch, `autopilot/<task-slug>-<short run id>`. Derived from the task's title and the
 * run id alone, so every worker resuming the run names the same branch. The short id is the end of
 * the run id: a ULID's first characters are its timestamp, shared by runs dispatched together.
 */
export function runBranchName(task: { readonly title: string }, runId: string): string {
  const short = runId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(-SHORT_RUN_ID);
  return `autopilot/${taskSlug(task.title)}-${short || 'run'}`;
}
