import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Git } from '@autopilot/git';
import {
  commitAll,
  makeDirectory,
  makeGitRepository,
  removeDirectories,
  testGit,
} from '@autopilot/git/testing';
import { isRunBranch, runBranchName, ZERO_COMMIT } from './run-branch';
import { RunWorkspaces, type ProjectRepository, type RunWorkspaceRequest } from './run-workspaces';

const made: string[] = [];
afterAll(() => removeDirectories(made));
const track = (dir: string) => (made.push(dir), dir);

/** A project: a working checkout and a bare "remote" cloned from it, both in temp dirs. */
async function makeProject(
  files: Record<string, string> = { 'README.md': 'hello\n', 'src/a.ts': 'export const a = 1;\n' },
) {
  const checkout = track(await makeGitRepository(files, { prefix: 'ap-ws-src-' }));
  const holder = track(await makeDirectory({}, 'ap-ws-remote-'));
  const remote = join(holder, 'project.git');
  await new Git(holder).raw(['clone', '-q', '--bare', checkout, remote]);
  return { checkout, remote, main: await new Git(remote).resolveCommit('main') };
}

const workerRoot = async () =>
  new RunWorkspaces({ cacheDir: track(await makeDirectory({}, 'ap-ws-cache-')) });

const run = (over: Partial<RunWorkspaceRequest> = {}): RunWorkspaceRequest => ({
  runId: '01JF0000000000000000ABCD12',
  taskId: 'task-1',
  task: 'Fix the login form!',
  baseCommit: ZERO_COMMIT,
  ...over,
});

describe('runBranchName', () => {
  it('slugs the task and ends with the run id random part', () => {
    expect(runBranchName('Fix the login form!', '01JF0000000000000000ABCD12')).toBe(
      'autopilot/fix-the-login-form-00abcd12',
    );
    expect(runBranchName('***', 'r')).toBe('autopilot/task-r');
    expect(runBranchName('x'.repeat(100), 'abc')).toBe(`autopilot/${'x'.repeat(40)}-abc`);
  });

  it('treats only autopilot/ branches other than the default as writable', () => {
    expect(isRunBranch('autopilot/a-1', 'main')).toBe(true);
    expect(isRunBranch('main', 'main')).toBe(false);
    expect(isRunBranch('autopilot/x', 'autopilot/x')).toBe(false);
    expect(isRunBranch('feature/x', 'main')).toBe(false);
  });
});

describe('RunWorkspaces', () => {
  it('provisions a worktree on the run branch from the default tip of a local bare remote, leaving main alone', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p1', url: p.remote };
    const workspaces = await workerRoot();
    const ws = await workspaces.open(project, run());
    expect(ws).toMatchObject({
      branch: 'autopilot/fix-the-login-form-00abcd12',
      defaultBranch: 'main',
      baseCommit: p.main,
      baseSource: 'default_branch_tip',
      head: p.main,
      adopted: [],
    });
    expect(await readFile(join(ws.path, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect(await new Git(ws.path).currentBranch()).toBe(ws.branch);

    await writeFile(join(ws.path, 'src/a.ts'), 'export const a = 2;\n');
    const cp = await workspaces.checkpoint(ws, 1);
    expect(cp.created).toBe(true);
    const remote = new Git(p.remote);
    expect(await remote.resolveCommit(ws.branch)).toBe(cp.commit);
    expect(await remote.resolveCommit('main')).toBe(p.main);
    const message = await remote.raw(['log', '-1', '--format=%B', cp.commit]);
    expect(message).toContain('Autopilot-Task: task-1');
    expect(message).toContain('Autopilot-Run: 01JF0000000000000000ABCD12');
    expect(message).toContain('Autopilot-Step: 1');

    // Nothing changed: the same commit, not a new one.
    expect(await workspaces.checkpoint(ws, 2)).toEqual({ commit: cp.commit, step: '2', created: false });
  });

  it('works from a file:// URL and fetches a recorded base the mirror does not have yet', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p2', url: pathToFileURL(p.remote).href };
    const workspaces = await workerRoot();
    const first = await workspaces.open(project, run({ runId: 'run-aaaaaaaa' }));
    expect(first.baseCommit).toBe(p.main);

    // A new commit reaches the repository after the mirror was made.
    await writeFile(join(p.checkout, 'NEW.md'), 'new\n');
    const newer = await commitAll(p.checkout, 'newer');
    await testGit(p.checkout).raw(['push', '-q', p.remote, 'main']);
    const second = await workspaces.open(project, run({ runId: 'run-bbbbbbbb', baseCommit: newer }));
    expect(second).toMatchObject({ baseCommit: newer, baseSource: 'recorded', head: newer });
    expect(existsSync(join(second.path, 'NEW.md'))).toBe(true);

    await expect(
      workspaces.open(project, run({ runId: 'run-cccccccc', baseCommit: 'ab'.repeat(20) })),
    ).rejects.toMatchObject({
      code: 'WORKSPACE_BASE_NOT_FOUND',
    });
  });

  it('resumes on another worker, adopting a commit made after the last recorded checkpoint', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p3', url: p.remote };
    const workerA = await workerRoot();
    const a = await workerA.open(project, run());
    await writeFile(join(a.path, 'one.txt'), '1\n');
    const recorded = await workerA.checkpoint(a, 1);
    await writeFile(join(a.path, 'two.txt'), '2\n');
    const unrecorded = await workerA.checkpoint(a, 2); // the worker dies before recording it

    const workerB = await workerRoot();
    const b = await workerB.open(project, run({ baseCommit: a.baseCommit, lastCheckpoint: recorded.commit }));
    expect(b.head).toBe(unrecorded.commit);
    expect(b.adopted).toEqual([{ commit: unrecorded.commit, step: '2' }]);
    expect(await readFile(join(b.path, 'two.txt'), 'utf8')).toBe('2\n');
    expect(b.path).not.toBe(a.path);

    // B goes on from there; A's copy of the branch is now behind, and a resume on A catches up.
    await writeFile(join(b.path, 'three.txt'), '3\n');
    const third = await workerB.checkpoint(b, 3);
    await writeFile(join(a.path, 'scratch.txt'), 'left behind by the dead process\n');
    const again = await workerA.open(
      project,
      run({ baseCommit: a.baseCommit, lastCheckpoint: third.commit }),
    );
    expect(again).toMatchObject({ head: third.commit, adopted: [], path: a.path });
    expect(again.salvagedRef).toMatch(/^refs\/autopilot\/salvage\//);
    expect(existsSync(join(a.path, 'scratch.txt'))).toBe(false);
    const salvaged = new Git(a.mirror);
    expect(await salvaged.raw(['show', `${again.salvagedRef}:scratch.txt`])).toContain('left behind');
  });

  it('pushes and adopts a checkpoint this worker committed but never pushed (a crash between the two)', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p10', url: p.remote };
    const workspaces = await workerRoot();
    const ws = await workspaces.open(project, run());
    await writeFile(join(ws.path, 'one.txt'), '1\n');
    const recorded = await workspaces.checkpoint(ws, 1);
    await writeFile(join(ws.path, 'two.txt'), '2\n');
    await testGit(ws.path).raw(['add', '-A']);
    const trailers = `Autopilot-Task: task-1\nAutopilot-Run: ${run().runId}\nAutopilot-Step: 2`;
    await testGit(ws.path).raw(['commit', '-q', '-m', 'autopilot: checkpoint step 2', '-m', trailers]);
    const unpushed = await new Git(ws.path).resolveCommit('HEAD');

    const again = await workspaces.open(
      project,
      run({ baseCommit: ws.baseCommit, lastCheckpoint: recorded.commit }),
    );
    expect(again.adopted).toEqual([{ commit: unpushed, step: '2' }]);
    expect(await new Git(p.remote).resolveCommit(ws.branch)).toBe(unpushed);
  });

  it('finds the base of a redelivered first dispatch even after the default branch moved', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p11', url: p.remote };
    const workerA = await workerRoot();
    const a = await workerA.open(project, run());
    await writeFile(join(a.path, 'one.txt'), '1\n');
    const cp = await workerA.checkpoint(a, 1); // never recorded, nor was the base
    await writeFile(join(p.checkout, 'later.md'), 'later\n');
    await commitAll(p.checkout, 'main moves on');
    await testGit(p.checkout).raw(['push', '-q', p.remote, 'main']);

    const b = await (await workerRoot()).open(project, run());
    expect(b).toMatchObject({
      baseCommit: p.main,
      head: cp.commit,
      adopted: [{ commit: cp.commit, step: '1' }],
    });
  });

  it('refuses to adopt commits that are not the run own, and a recorded checkpoint that is nowhere', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p4', url: p.remote };
    const workerA = await workerRoot();
    const a = await workerA.open(project, run());
    await writeFile(join(a.path, 'x.txt'), 'x\n');
    const cp = await workerA.checkpoint(a, 1);
    // Someone else commits on the run branch.
    await testGit(a.path).raw(['commit', '-q', '--allow-empty', '-m', 'foreign']);
    await testGit(a.mirror).raw(['push', '-q', 'origin', `${a.branch}:${a.branch}`]);

    const workerB = await workerRoot();
    await expect(
      workerB.open(project, run({ baseCommit: a.baseCommit, lastCheckpoint: cp.commit })),
    ).rejects.toMatchObject({
      code: 'WORKSPACE_BRANCH_DIVERGED',
    });
    await expect(
      (await workerRoot()).open(project, run({ baseCommit: a.baseCommit, lastCheckpoint: 'cd'.repeat(20) })),
    ).rejects.toMatchObject({ code: 'WORKSPACE_CHECKPOINT_MISSING' });
  });

  it('rolls back to the base and to a checkpoint by moving the branch forward', async () => {
    const p = await makeProject();
    const workspaces = await workerRoot();
    const ws = await workspaces.open({ projectId: 'p5', url: p.remote }, run());
    await writeFile(join(ws.path, 'README.md'), 'changed\n');
    await writeFile(join(ws.path, 'added.txt'), 'added\n');
    const one = await workspaces.checkpoint(ws, 1);
    await writeFile(join(ws.path, 'later.txt'), 'uncommitted\n');

    const back = await workspaces.rollback(ws, ws.baseCommit, 2);
    expect(back.saved?.created).toBe(true);
    expect(await readFile(join(ws.path, 'README.md'), 'utf8')).toBe('hello\n');
    expect(existsSync(join(ws.path, 'added.txt'))).toBe(false);
    expect(existsSync(join(ws.path, 'later.txt'))).toBe(false);
    const remote = new Git(p.remote);
    expect(await remote.resolveCommit(ws.branch)).toBe(back.rollback.commit);
    // Every earlier commit is still on the branch.
    const onBranch = await remote.raw(['rev-list', ws.branch]);
    expect(onBranch).toContain(one.commit);
    expect(onBranch).toContain(back.saved?.commit);
    expect(await remote.raw(['diff', '--stat', ws.baseCommit, back.rollback.commit])).toBe('');

    const forward = await workspaces.rollback(ws, one.commit, 3);
    expect(forward.saved).toBeUndefined();
    expect(await readFile(join(ws.path, 'added.txt'), 'utf8')).toBe('added\n');

    const elsewhere = await commitAll(p.checkout, 'not on the run branch');
    await expect(workspaces.rollback(ws, elsewhere, 4)).rejects.toMatchObject({
      code: 'WORKSPACE_ROLLBACK_TARGET_INVALID',
    });
  });

  it('removes a worktree only when the pushed branch holds all its work, and keeps the branch', async () => {
    const p = await makeProject();
    const workspaces = await workerRoot();
    const ws = await workspaces.open({ projectId: 'p6', url: p.remote }, run());
    await writeFile(join(ws.path, 'work.txt'), 'work\n');
    await expect(workspaces.remove(ws)).rejects.toMatchObject({ code: 'WORKSPACE_UNSAVED_WORK' });

    // Committed here but never pushed.
    await testGit(ws.path).raw(['add', '-A']);
    await testGit(ws.path).raw(['commit', '-q', '-m', 'local only']);
    await expect(workspaces.remove(ws)).rejects.toMatchObject({ code: 'WORKSPACE_UNSAVED_WORK' });
    expect(existsSync(ws.path)).toBe(true);

    const cp = await workspaces.checkpoint(ws, 1); // pushes the branch
    await workspaces.remove(ws);
    expect(existsSync(ws.path)).toBe(false);
    expect(await new Git(p.remote).resolveCommit(ws.branch)).toBe(cp.commit);
  });

  it('serves runs opened at once, and reattaches a run whose worktree directory was deleted', async () => {
    const p = await makeProject();
    const project: ProjectRepository = { projectId: 'p9', url: p.remote };
    const workspaces = await workerRoot();
    const [x, y] = await Promise.all([
      workspaces.open(project, run({ runId: 'run-xxxxxxxx' })),
      workspaces.open(project, run({ runId: 'run-yyyyyyyy' })),
    ]);
    expect(x.branch).not.toBe(y.branch);
    await writeFile(join(x.path, 'x.txt'), 'x\n');
    const cp = await workspaces.checkpoint(x, 1);
    await rm(x.path, { recursive: true, force: true });
    const again = await workspaces.open(
      project,
      run({ runId: 'run-xxxxxxxx', baseCommit: x.baseCommit, lastCheckpoint: cp.commit }),
    );
    expect(again.head).toBe(cp.commit);
    expect(await readFile(join(again.path, 'x.txt'), 'utf8')).toBe('x\n');
  });

  it('refuses to commit when the worktree was switched off the run branch', async () => {
    const p = await makeProject();
    const workspaces = await workerRoot();
    const ws = await workspaces.open({ projectId: 'p7', url: p.remote, defaultBranch: 'main' }, run());
    await testGit(ws.path).raw(['checkout', '-q', '-b', 'main-copy']);
    await writeFile(join(ws.path, 'x.txt'), 'x\n');
    await expect(workspaces.checkpoint(ws, 1)).rejects.toMatchObject({
      code: 'WORKSPACE_DEFAULT_BRANCH_REFUSED',
    });
    expect(await new Git(p.remote).resolveCommit('main')).toBe(p.main);
  });

  it('copies bootstrap files from the main checkout, never commits them, and skips unsafe ones', async () => {
    const p = await makeProject({ 'README.md': 'hi\n', 'config/app.json': '{}\n' });
    await writeFile(join(p.checkout, '.env'), 'DATABASE_URL=postgres://local\n');
    const project: ProjectRepository = {
      projectId: 'p8',
      url: p.checkout,
      bootstrapFiles: ['.env', 'config/app.json', '../outside', 'missing.txt'],
    };
    const workspaces = await workerRoot();
    const ws = await workspaces.open(project, run());
    expect(ws.bootstrap.copied).toEqual(['.env']);
    expect(ws.bootstrap.skipped.map((s) => s.path)).toEqual(['config/app.json', '../outside', 'missing.txt']);
    expect(await readFile(join(ws.path, '.env'), 'utf8')).toBe('DATABASE_URL=postgres://local\n');

    await writeFile(join(ws.path, 'README.md'), 'changed\n');
    const cp = await workspaces.checkpoint(ws, 1);
    const files = await new Git(p.checkout).raw(['ls-tree', '-r', '--name-only', cp.commit]);
    expect(files).not.toContain('.env');
    expect(await new Git(p.checkout).currentBranch()).toBe('main');
    await workspaces.remove(ws);
    expect(existsSync(ws.path)).toBe(false);
  });
});
