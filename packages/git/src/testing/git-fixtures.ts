import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Git } from '../git';

/**
 * Real repositories for tests, built by code: files written to a fresh temporary directory, then
 * `git init`, `git add` and `git commit` run through Git (the same environment rules as production),
 * with a fixed identity and no signing whatever the machine's git config says. Test code only.
 */

const IDENTITY = ['user.name=autopilot-test', 'user.email=test@autopilot.invalid', 'commit.gpgsign=false'];

/** Git in `dir` with a commit identity. */
export function testGit(dir: string): Git {
  return new Git(dir, { config: IDENTITY });
}

/** Writes `files` (path -> content) below `dir`, creating directories. */
export async function writeFiles(
  dir: string,
  files: Readonly<Record<string, string | Uint8Array>>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A new temporary directory holding `files`; not a git repository. */
export async function makeDirectory(
  files: Readonly<Record<string, string | Uint8Array>> = {},
  prefix = 'ap-git-',
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFiles(dir, files);
  return dir;
}

/** A new git repository on branch `main` (or `branch`) with `files` committed; returns its directory. */
export async function makeGitRepository(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { branch?: string; prefix?: string } = {},
): Promise<string> {
  const dir = await makeDirectory(files, options.prefix);
  await testGit(dir).raw(['init', '-q', '-b', options.branch ?? 'main']);
  await commitAll(dir, 'initial');
  return dir;
}

/** Stages everything in `dir` and commits (empty commits allowed); returns the new commit id. */
export async function commitAll(dir: string, message: string): Promise<string> {
  const git = testGit(dir);
  await git.raw(['add', '-A']);
  await git.raw(['commit', '-q', '--allow-empty', '-m', message]);
  return (await git.raw(['rev-parse', 'HEAD'])).trim();
}

/** Removes directories made by this module (or any others). */
export async function removeDirectories(dirs: readonly string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
