/** Longest slug kept from a task's title: branch names stay readable in `git branch` listings. */
const SLUG_CHARS = 40;
/** The end of a run id (a ULID's random part; its start is a timestamp shared by runs made together). */
const SHORT_RUN_ID = 8;

/**
 * The run branch of `worker.execute_run` (`branch`), the one rule for its name:
 * `autopilot/<task-slug>-<short run id>`. The slug is the task's title (else `fallback`, e.g. the
 * task id) in lower-case ASCII words, at most 40 characters; the short run id keeps two runs of one
 * task apart. Always a valid git ref name.
 */
export function runBranchName(title: string, runId: string, fallback = ''): string {
  const slugOf = (text: string): string =>
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, SLUG_CHARS)
      .replace(/^-+|-+$/g, '');
  const slug = slugOf(title) || slugOf(fallback) || 'task';
  const short =
    runId
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(-SHORT_RUN_ID) || 'run';
  return `autopilot/${slug}-${short}`;
}
