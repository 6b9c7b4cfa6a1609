import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Git, GitCommandError } from '@autopilot/git';
import type { ApplyPatchArgsV1 } from '@autopilot/contracts';
import type { FileChange } from './file-changes';
import { readTextFile } from './text-file';
import type { ToolLimits } from './tool-limits';
import { ToolRefusedError } from './tool-result';
import { resolveWorktreePath } from './worktree-paths';

// --recount: models rarely get hunk header line counts right; git recounts them from the hunks.
const APPLY = ['apply', '--recount'];

/** Patch features the worker does not apply: they would write something other than a text file. */
const UNSUPPORTED: readonly [RegExp, string][] = [
  [/^GIT binary patch$|^Binary files .* differ$/m, 'binary patches are not accepted'],
  [
    /^(new file mode|deleted file mode|new mode|old mode) 120000$/m,
    'patches may not create or change symlinks',
  ],
  [/^(new file mode|deleted file mode|new mode|old mode) 160000$/m, 'patches may not touch submodules'],
  [/^(old mode|new mode) /m, 'patches may not change file modes'],
  [/^new file mode (?!100644$)/m, 'new files must have mode 100644 (regular, not executable)'],
];

const gitMessage = (err: unknown): string =>
  err instanceof GitCommandError ? err.stderr.replace(/^error: /gm, '').trim() : (err as Error).message;

/** The paths a patch touches as git reads it (`--numstat -z`: both sides of a rename or copy). */
export function numstatPaths(numstat: string): string[] {
  const paths: string[] = [];
  const tokens = numstat.split('\0');
  for (let i = 0; i < tokens.length; i += 1) {
    const match = /^(?:\d+|-)\t(?:\d+|-)\t([\s\S]*)$/.exec(tokens[i] ?? '');
    if (!match) continue;
    if (match[1] !== '') paths.push(match[1] as string);
    else {
      paths.push(tokens[i + 1] ?? '', tokens[i + 2] ?? '');
      i += 2;
    }
  }
  return [...new Set(paths.filter((p) => p !== ''))];
}

/**
 * The changes a unified diff makes, computed without touching the worktree: git reads the paths
 * (each must pass the worktree path checks), `git apply --check` verifies every hunk against the
 * worktree, and the patch is then applied to copies of the touched files in a scratch repository to
 * learn their new contents. Refuses with git's own reason when the patch is malformed or does not
 * apply.
 */
export async function patchChanges(
  realRoot: string,
  args: ApplyPatchArgsV1,
  limits: ToolLimits,
): Promise<FileChange[]> {
  const patch = args.patch.endsWith('\n') ? args.patch : `${args.patch}\n`;
  for (const [pattern, reason] of UNSUPPORTED) {
    if (pattern.test(patch)) throw new ToolRefusedError(`${reason}; nothing was written`);
  }
  const git = new Git(realRoot, { timeoutMs: limits.gitTimeoutMs });
  let numstat: string;
  try {
    numstat = await git.raw([...APPLY, '--numstat', '-z', '-'], { input: patch });
  } catch (err) {
    throw new ToolRefusedError(`the patch is not a unified diff git can read: ${gitMessage(err)}`);
  }
  const paths = numstatPaths(numstat);
  if (paths.length === 0)
    throw new ToolRefusedError('the patch changes no file (is it a unified diff with a/ and b/ paths?)');
  const checked = [];
  for (const path of paths) checked.push(await resolveWorktreePath(realRoot, path));

  try {
    await git.raw([...APPLY, '--check', '-'], { input: patch });
  } catch (err) {
    throw new ToolRefusedError(`the patch does not apply, nothing was written: ${gitMessage(err)}`);
  }

  const scratch = await mkdtemp(join(tmpdir(), 'ap-patch-'));
  try {
    // A repository of its own: git apply outside one would look upward for a repository to apply to.
    await new Git(scratch, { timeoutMs: limits.gitTimeoutMs }).raw(['init', '-q']);
    const before = new Map<string, string | null>();
    for (const path of checked) {
      const contents = path.exists ? await readTextFile(path, limits.editMaxFileBytes) : null;
      before.set(path.relative, contents);
      if (contents !== null) {
        await mkdir(dirname(join(scratch, path.relative)), { recursive: true });
        await writeFile(join(scratch, path.relative), contents);
      }
    }
    try {
      await new Git(scratch, { timeoutMs: limits.gitTimeoutMs }).raw([...APPLY, '-'], { input: patch });
    } catch (err) {
      throw new ToolRefusedError(`the patch does not apply, nothing was written: ${gitMessage(err)}`);
    }
    const changes: FileChange[] = [];
    for (const [path, contents] of before) {
      const after = await readFile(join(scratch, path), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (after !== contents) changes.push({ path, before: contents, after });
    }
    return changes;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
