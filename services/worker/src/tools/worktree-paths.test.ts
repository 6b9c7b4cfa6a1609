import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, makeGitRepository, removeDirectories } from '@autopilot/git/testing';
import { WorktreePathRefusedError, realWorktreeRoot, resolveWorktreePath } from './worktree-paths';

describe('resolveWorktreePath', () => {
  const dirs: string[] = [];
  let root: string;
  let outside: string;

  beforeAll(async () => {
    outside = await makeDirectory({ 'secret.txt': 'top secret\n' }, 'ap-outside-');
    const repo = await makeGitRepository({ 'src/a.ts': 'export const a = 1;\n', 'README.md': '# r\n' });
    dirs.push(outside, repo);
    root = await realWorktreeRoot(repo);
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    await symlink(outside, join(root, 'out'));
    await symlink(join(root, 'src'), join(root, 'src-link'));
    await symlink(join(root, 'src', 'a.ts'), join(root, 'a-link.ts'));
    await symlink(join(root, '.git'), join(root, 'gitdir'));
    await symlink(join(root, 'nowhere'), join(root, 'dangling'));
    await link(join(outside, 'secret.txt'), join(root, 'hard.txt'));
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', '.git'), 'gitdir: /elsewhere\n'); // a worktree's .git file
  });
  afterAll(() => removeDirectories(dirs));

  const reasonFor = async (path: string): Promise<string> => {
    try {
      await resolveWorktreePath(root, path);
    } catch (err) {
      if (err instanceof WorktreePathRefusedError) return err.message;
      throw err;
    }
    throw new Error(`${path} was not refused`);
  };

  it.each([
    ['../etc/passwd', '"../etc/passwd" refused: the path leads outside the worktree'],
    ['src/../../x', '"src/../../x" refused: the path leads outside the worktree'],
    ['..', '"..'],
    ['/etc/passwd', '"/etc/passwd" refused: absolute paths are not allowed'],
    ['.git/config', '".git/config" refused: .git holds the repository itself'],
    ['.git', '".git" refused: .git holds the repository itself'],
    ['./.GIT/hooks/pre-commit', '.git holds the repository itself'],
    ['sub/.git', '"sub/.git" refused: .git holds the repository itself'],
    ['src/../.git/HEAD', '.git holds the repository itself'],
    ['leak.txt', `"leak.txt" refused: leak.txt is a symlink to `],
    ['out/secret.txt', '"out/secret.txt" refused: out is a symlink to '],
    ['out/new-file.ts', 'out is a symlink to '],
    ['out/deeper/new-dir/x.ts', 'out is a symlink to '],
    ['gitdir/config', 'gitdir is a symlink into .git'],
    ['dangling', 'dangling is a symlink whose target does not exist'],
    ['', 'the path is empty'],
    ['a\0b', 'NUL'],
    ['.', 'the path names the worktree root'],
    ['README.md/x', 'README.md is a file, not a directory'],
    ['hard.txt', 'hard.txt has 2 hard links and may be shared with a file outside the worktree'],
  ])('refuses %j', async (path, reason) => {
    expect(await reasonFor(path)).toContain(reason);
  });

  it('names the outside target of a symlink escape', async () => {
    expect(await reasonFor('leak.txt')).toContain(
      `${await realWorktreeRoot(outside)}/secret.txt, outside the worktree`,
    );
  });

  it('accepts paths inside, existing or not, and symlinks that stay inside', async () => {
    expect(await resolveWorktreePath(root, 'src/a.ts')).toEqual({
      relative: 'src/a.ts',
      absolute: join(root, 'src/a.ts'),
      exists: true,
    });
    expect(await resolveWorktreePath(root, './src//new/b.ts')).toEqual({
      relative: 'src/new/b.ts',
      absolute: join(root, 'src/new/b.ts'),
      exists: false,
    });
    expect((await resolveWorktreePath(root, 'src-link/a.ts')).exists).toBe(true);
    expect((await resolveWorktreePath(root, 'a-link.ts')).exists).toBe(true);
    expect((await resolveWorktreePath(root, 'src/x/../a.ts')).relative).toBe('src/a.ts');
    expect((await resolveWorktreePath(root, '.gitignore')).relative).toBe('.gitignore');
    expect((await resolveWorktreePath(root, '.', { allowRoot: true })).absolute).toBe(root);
  });
});
