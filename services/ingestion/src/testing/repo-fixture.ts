import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Real repositories for the scan tests: files written to a fresh temporary directory and, for a git
 * repository, `git init` + `git add` + `git commit` run for real. Test code only.
 */

const run = promisify(execFile);

/** Runs git in `dir` with a fixed identity and no signing, whatever the machine's git config says. */
export async function git(dir: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args],
    { cwd: dir },
  );
  return stdout.trim();
}

/** Writes `files` (path -> content) below `dir`. */
export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A temporary directory holding `files`, not a git repository. */
export async function plainDirectory(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ap-scan-'));
  await writeFiles(dir, files);
  return dir;
}

/** A git repository on branch `main` with `files` committed; returns its directory. */
export async function gitRepository(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await plainDirectory(files);
  await git(dir, ['init', '-q', '-b', 'main']);
  await commitAll(dir, 'initial');
  return dir;
}

/** Stages everything and commits; returns the new commit id. */
export async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Removes directories made by this module. */
export async function removeAll(dirs: readonly string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
