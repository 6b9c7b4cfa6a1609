import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { ToolRefusedError, type FileUndo } from './tool-result';
import { resolveWorktreePath } from './worktree-paths';

/** One file a write changes: its contents before and after (`null`: absent, i.e. created or deleted). */
export interface FileChange {
  /** Relative to the worktree root, normalized. */
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** The changes as one unified diff, git style (`a/`, `b/`, `/dev/null`), for governance and the step log. */
export function unifiedDiff(changes: readonly FileChange[]): string {
  return changes
    .map(({ path, before, after }) => {
      const patch = createTwoFilesPatch(
        before === null ? '/dev/null' : `a/${path}`,
        after === null ? '/dev/null' : `b/${path}`,
        before ?? '',
        after ?? '',
        undefined,
        undefined,
        { context: 3 },
      );
      // jsdiff opens with a line of '='; git's header names both sides instead.
      const body = patch.slice(patch.indexOf('---'));
      return `diff --git a/${path} b/${path}\n${body}`;
    })
    .join('');
}

async function currentContents(absolute: string): Promise<string | null> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function put(absolute: string, contents: string | null): Promise<void> {
  if (contents === null) {
    await unlink(absolute).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return;
  }
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, contents);
}

/**
 * Writes prepared changes into the worktree at `realRoot`. Each path is checked again (a command
 * may have planted a symlink since) and must still hold what the change was prepared from;
 * otherwise nothing is written. Returns what undoes the writes. When a write fails half way, the
 * files already written are restored before the error propagates.
 */
export async function writeChanges(realRoot: string, changes: readonly FileChange[]): Promise<FileUndo[]> {
  const targets = [];
  for (const change of changes) {
    const target = await resolveWorktreePath(realRoot, change.path);
    if ((await currentContents(target.absolute)) !== change.before) {
      throw new ToolRefusedError(
        `${change.path} changed since this edit was prepared; nothing was written (view it again and redo the edit)`,
      );
    }
    targets.push({ change, absolute: target.absolute });
  }
  const done: FileUndo[] = [];
  try {
    for (const { change, absolute } of targets) {
      await put(absolute, change.after);
      done.push({ path: change.path, previous: change.before });
    }
  } catch (err) {
    await restoreFiles(realRoot, done);
    throw err;
  }
  return done;
}

/** Puts files back as `files` records them, last written first. */
export async function restoreFiles(realRoot: string, files: readonly FileUndo[]): Promise<void> {
  for (const file of [...files].reverse()) {
    const target = await resolveWorktreePath(realRoot, file.path);
    await put(target.absolute, file.previous);
  }
}
