import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { currentBranch, Git, SYMLINK_MODE } from './git';
import { gitBlobId } from './git-blob-id';
import { gitEnvironment } from './git-environment';
import { GitCommandError, GitNotARepositoryError, GitRefNotFoundError, GitTimeoutError } from './git-errors';
import {
  commitAll,
  makeDirectory,
  makeGitRepository,
  removeDirectories,
  testGit,
  writeFiles,
} from './testing/git-fixtures';

const made: string[] = [];
const track = (dir: string) => (made.push(dir), dir);
afterAll(() => removeDirectories(made));

describe('Git', () => {
  it('resolves refs, HEAD and the branch checked out', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n' }, { branch: 'trunk' }));
    const git = new Git(dir);
    const head = await git.headCommit();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await git.resolveCommit('trunk')).toBe(head);
    expect(await git.currentBranch()).toBe('trunk');
    expect(await currentBranch(dir)).toBe('trunk');
    expect(await git.kind()).toBe('worktree');

    await testGit(dir).raw(['checkout', '-q', '--detach']);
    expect(await git.currentBranch()).toBeUndefined();
  });

  it('ignores an inherited GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE pointing at another repository', async () => {
    const mine = track(await makeGitRepository({ 'mine.txt': 'mine\n' }));
    const other = track(await makeGitRepository({ 'other.txt': 'other\n' }));
    const mineHead = await new Git(mine).headCommit();
    const saved = { ...process.env };
    process.env.GIT_DIR = join(other, '.git');
    process.env.GIT_WORK_TREE = other;
    process.env.GIT_INDEX_FILE = join(other, '.git', 'index');
    try {
      const git = new Git(mine);
      expect((await git.listIndex()).map((e) => e.path)).toEqual(['mine.txt']);
      expect(await git.headCommit()).toBe(mineHead);
      expect(await git.headCommit()).not.toBe(await new Git(other).headCommit());
    } finally {
      for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('gives GitRefNotFoundError for a ref that names no commit, or looks like an option', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n' }));
    const git = new Git(dir);
    await expect(git.resolveCommit('no-such-branch')).rejects.toBeInstanceOf(GitRefNotFoundError);
    await expect(git.resolveCommit('deadbeef'.repeat(5))).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND',
      ref: 'deadbeef'.repeat(5),
      dir,
    });
    await expect(git.resolveCommit('--output=/tmp/x')).rejects.toBeInstanceOf(GitRefNotFoundError);
  });

  it('gives GitNotARepositoryError outside a repository and for a missing directory', async () => {
    const plain = track(await makeDirectory({ 'a.txt': 'a' }));
    const git = new Git(plain);
    expect(await git.kind()).toBeUndefined();
    await expect(git.resolveCommit('HEAD')).rejects.toBeInstanceOf(GitNotARepositoryError);
    await expect(currentBranch(plain)).rejects.toMatchObject({ code: 'GIT_NOT_A_REPOSITORY', dir: plain });
    await expect(new Git(join(plain, 'missing')).listIndex()).rejects.toBeInstanceOf(GitNotARepositoryError);
  });

  it('lists a tree with sizes and modes, relative to the directory unless asked for the full tree', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'abc', 'web/index.ts': 'export {};\n' }));
    await symlink('a.txt', join(dir, 'link'));
    const commit = await commitAll(dir, 'link');
    const entries = await new Git(dir).listTree(commit, { sizes: true });
    expect(entries).toEqual([
      expect.objectContaining({
        path: 'a.txt',
        type: 'blob',
        size: 3,
        object: gitBlobId(Buffer.from('abc')),
      }),
      expect.objectContaining({ path: 'link', mode: SYMLINK_MODE, size: 5 }),
      expect.objectContaining({ path: 'web/index.ts', size: 11 }),
    ]);
    const web = new Git(join(dir, 'web'));
    expect((await web.listTree(commit)).map((e) => e.path)).toEqual(['index.ts']);
    expect((await web.listTree(commit, { fullTree: true })).map((e) => e.path)).toHaveLength(3);
    await expect(web.listTree('main')).rejects.toBeInstanceOf(GitCommandError);
  });

  it('reads blobs whole, or only their first bytes, and leaves out what git does not have', async () => {
    const big = Buffer.alloc(300_000, 7);
    const dir = track(await makeGitRepository({ 'small.txt': 'small\n', 'big.bin': big }));
    const [small, large] = [gitBlobId(Buffer.from('small\n')), gitBlobId(big)];
    const missing = 'ab'.repeat(20);
    const blobs = await new Git(dir).readBlobs([small, large, missing, small], { maxBytes: 1000 });
    expect([...blobs.keys()].sort()).toEqual([small, large].sort());
    expect(Buffer.from(blobs.get(small)!.bytes).toString()).toBe('small\n');
    expect(blobs.get(small)).toMatchObject({ size: 6, truncated: false });
    expect(blobs.get(large)).toMatchObject({ size: 300_000, truncated: true });
    expect(Buffer.from(blobs.get(large)!.bytes)).toEqual(big.subarray(0, 1000));
  });

  it('sees the index, what changed in the work tree, and hashes files without writing them', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n', 'b.txt': 'b\n' }));
    await writeFiles(dir, { 'a.txt': 'changed\n' });
    await testGit(dir).raw(['rm', '-q', '--cached', 'b.txt']);
    await testGit(dir).raw(['add', 'b.txt']);
    const git = new Git(dir);
    expect((await git.listIndex()).map((e) => [e.path, e.stage])).toEqual([
      ['a.txt', 0],
      ['b.txt', 0],
    ]);
    expect(await git.listWorkTreeChanges()).toEqual([{ status: 'M', path: 'a.txt' }]);
    expect(await git.hashFiles(['a.txt'])).toEqual([gitBlobId(Buffer.from('changed\n'))]);
    expect(await git.readBlobs([gitBlobId(Buffer.from('changed\n'))], { maxBytes: 100 })).toEqual(new Map());
  });

  it('reports a failed command with its argv and exit code, credentials masked', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n' }));
    const err = await new Git(dir)
      .raw(['rev-parse', 'https://someone:s3cret@example.invalid/repo.git'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(err).toMatchObject({
      code: 'GIT_COMMAND_FAILED',
      exitCode: 128,
      argv: ['rev-parse', 'https://***@example.invalid/repo.git'],
    });
    expect(JSON.stringify(err)).not.toContain('s3cret');
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('refuses settings that would run a program, as simple-git guards them', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n' }));
    await expect(new Git(dir, { config: ['core.pager=sh -c id'] }).raw(['log'])).rejects.toBeInstanceOf(
      GitCommandError,
    );
  });

  it('kills git when it stays silent past the timeout', async () => {
    const dir = track(await makeGitRepository({ 'a.txt': 'a\n' }));
    // No input: `cat-file --batch` waits on an open stdin and writes nothing.
    const err = await new Git(dir, { timeoutMs: 200 }).raw(['cat-file', '--batch']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitTimeoutError);
    expect(err).toMatchObject({ code: 'GIT_TIMEOUT', argv: ['cat-file', '--batch'], timeoutMs: 200 });
  });
});

describe('gitEnvironment', () => {
  it('drops GIT_* and program variables, and adds the fixed settings', () => {
    const env = gitEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/x',
      GIT_DIR: '/elsewhere',
      git_index_file: '/elsewhere/index',
      EDITOR: 'vim',
      PAGER: 'less',
      SSH_ASKPASS: '/bin/ask',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/x',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C',
    });
  });
});
