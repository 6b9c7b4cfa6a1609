import type { Task } from '@autopilot/contracts';

/** Longest slug kept from a task's title: branch names stay readable in `git branch` listings. */
const SLUG_CHARS = 40;

/**
 * The run branch a person reviews: `autopilot/<task-slug>-<short run id>`. The slug comes from the
 * task's title (else its id) in lower-case ASCII words; the short run id (the last 8 characters of
 * the ULID, its random part) keeps two runs of one task apart. Always a valid git ref name.
 */
export function runBranchName(task: Pick<Task, 'id' | 'title'>, runId: string): string {
  const slugOf = (text: string): string =>
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, SLUG_CHARS)
      .replace(/^-+|-+$/g, '');
  const slug = slugOf(task.title ?? '') || slugOf(task.id) || 'task';
  const short =
    runId
      .slice(-8)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '') || 'run';
  return `autopilot/${slug}-${short}`;
}
