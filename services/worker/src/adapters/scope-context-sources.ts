import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import type { WorkerExecuteRunV1 } from '@autopilot/contracts';
import { Git } from '@autopilot/git';
import type { GatheredContext, RunContextSources, Workspace } from '../app/ports';

/** How much of the worktree goes into a run's opening context. */
export interface ScopeContextLimits {
  /** Files at most. Default 8. */
  readonly maxFiles: number;
  /** A larger file is left for the model to open with view_file. Default 24 KiB. */
  readonly maxFileBytes: number;
}

const DEFAULT_LIMITS: ScopeContextLimits = { maxFiles: 8, maxFileBytes: 24 * 1024 };

/**
 * The files that matter to a task, read from its worktree: those its scope names (a glob or a
 * path), in the order the scope lists them, then the tests beside them; small files only (the
 * model opens the rest with view_file). The task's own text (description, criteria, its place in
 * the blueprint) travels in the task spec, which the context builder puts first.
 */
export class ScopeContextSources implements RunContextSources {
  constructor(private readonly limits: ScopeContextLimits = DEFAULT_LIMITS) {}

  async gather(command: WorkerExecuteRunV1, ws: Workspace): Promise<GatheredContext> {
    let tracked: string[];
    try {
      const out = await new Git(ws.root).raw(['ls-files', '-co', '--exclude-standard', '-z']);
      tracked = out.split('\0').filter((p) => p.length > 0);
    } catch {
      return { files: [], hints: [] };
    }
    const picked: string[] = [];
    const take = (path: string): void => {
      if (picked.length < this.limits.maxFiles && !picked.includes(path)) picked.push(path);
    };
    for (const scope of command.task.scopePaths) {
      for (const path of tracked) if (path === scope || minimatch(path, scope, { dot: true })) take(path);
    }
    for (const path of [...picked]) {
      const stem =
        path
          .replace(/\.[^./]+$/, '')
          .split('/')
          .pop() ?? '';
      for (const candidate of tracked)
        if (
          stem &&
          /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\./.test(candidate) &&
          candidate.includes(stem)
        )
          take(candidate);
    }
    const files: { path: string; content: string }[] = [];
    for (const path of picked) {
      try {
        const full = join(ws.root, path);
        if ((await stat(full)).size > this.limits.maxFileBytes) continue;
        const content = await readFile(full, 'utf8');
        if (!content.includes('\0')) files.push({ path, content });
      } catch {
        // A file listed but gone (or unreadable) is left out: the model can still look for it.
      }
    }
    return { files, hints: [] };
  }
}
