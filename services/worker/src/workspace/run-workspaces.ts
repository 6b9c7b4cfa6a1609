import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Git, GitCommandError, GitRefNotFoundError, redactCredentials } from '@autopilot/git';
import { isRunBranch, runBranchName, ZERO_COMMIT } from './run-branch';
import {
  BaseCommitNotFoundError,
  CheckpointMissingError,
  DefaultBranchWriteRefusedError,
  RollbackTargetError,
  RunBranchDivergedError,
  UnsavedWorkError,
} from './workspace-errors';

/** Where a project's code lives and what every run's worktree gets copied into it. */
export interface ProjectRepository {
  readonly projectId: string;
  /**
   * Local path or URL (`file://`, `https://`, `ssh://`) of the project's repository. The mirror
   * fetches from it, and run branches are pushed to it under their own names (never the default
   * branch), so any worker can resume a run.
   */
  readonly url: string;
  /** The default branch; when absent, the branch the repository's HEAD names. */
  readonly defaultBranch?: string;
  /** Files copied into every worktree (paths relative to the checkout, e.g. `.env`). Never committed. */
  readonly bootstrapFiles?: readonly string[];
  /** The checkout bootstrap files are copied from; defaults to `url` when it is a local work tree. */
  readonly bootstrapFrom?: string;
}

/** Which run a workspace belongs to, and where its recorded history stands. */
export interface RunWorkspaceRequest {
  readonly runId: string;
  readonly taskId: string;
  /** The task's title or slug: it names the branch (`autopilot/<slug>-<short run id>`). */
  readonly task: string;
  /**
   * The run branch as the manager named it (`worker.execute_run`); absent: named here from `task`
   * and the run id by the same rule. Either way it must be a run branch, never the default one.
   */
  readonly branch?: string;
  /** The recorded base commit; ZERO_COMMIT means the default branch's tip (reported as used). */
  readonly baseCommit: string;
  /** The last checkpoint recorded for the run; absent when none was. */
  readonly lastCheckpoint?: string;
}

/** A checkpoint commit found on the branch past the recorded one (a crash after commit, before record). */
export interface AdoptedCommit {
  readonly commit: string;
  /** The step its message names. */
  readonly step: string;
}

export interface BootstrapReport {
  readonly copied: readonly string[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** A run's worktree on this worker: plain data, no credentials (the mirror's remote holds the URL). */
export interface RunWorkspace {
  readonly projectId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly branch: string;
  readonly defaultBranch: string;
  /** The worktree's directory. */
  readonly path: string;
  /** The project's mirror this worktree belongs to. */
  readonly mirror: string;
  /** The base commit used: the recorded one, or the default branch's tip when ZERO_COMMIT was recorded. */
  readonly baseCommit: string;
  readonly baseSource: 'recorded' | 'default_branch_tip';
  /** The commit the worktree is at: base, last recorded checkpoint, or the last adopted commit. */
  readonly head: string;
  /** Commits past `lastCheckpoint` taken over from the branch, oldest first: record them as checkpoints. */
  readonly adopted: readonly AdoptedCommit[];
  /** Uncommitted changes found in a reused worktree, kept under this ref before it was reset. */
  readonly salvagedRef?: string;
  readonly bootstrap: BootstrapReport;
}

export interface Checkpoint {
  readonly commit: string;
  readonly step: string;
  /** False when nothing had changed: `commit` is the branch's tip as it was. */
  readonly created: boolean;
}

export interface RollbackResult {
  /** The state before the rollback, committed first so nothing is lost (absent when it was clean). */
  readonly saved?: Checkpoint;
  /** The commit whose tree is the target's; it moves the branch forward, never back. */
  readonly rollback: Checkpoint;
}

export interface RunWorkspacesOptions {
  /** The worker's cache: `mirrors/<project>.git` and `worktrees/<project>/<run id>`. One per worker process. */
  readonly cacheDir: string;
  /** A git process silent this long is killed. Default 120 s (a first fetch of a large project). */
  readonly gitTimeoutMs?: number;
  /** The identity of checkpoint commits. */
  readonly committer?: { readonly name: string; readonly email: string };
}

const TRAILER_RUN = 'Autopilot-Run';
const TRAILER_TASK = 'Autopilot-Task';
const TRAILER_STEP = 'Autopilot-Step';
const SALVAGE_REFS = 'refs/autopilot/salvage';

/**
 * The worktrees of runs, on one worker. A bare mirror per project is cached under `cacheDir` (its
 * remote `origin` is the project's repository, fetched into `refs/remotes/origin/*` so a fetch never
 * touches a local branch); each run gets `git worktree add` on its branch from the recorded base.
 *
 * Where run history lives: every checkpoint is committed on the run branch and pushed, without
 * force, to the project's repository under the same name. Another worker resumes from there; the
 * default branch is never written (every ref write and push is checked).
 *
 * Never losing work: no branch is ever moved backwards or deleted (a rollback is a new commit with
 * the target's tree), no `git clean`, uncommitted changes found in a reused worktree are kept under
 * `refs/autopilot/salvage/<run>/…` before it is reset, and a worktree is removed only once it is
 * clean and the pushed branch holds its every commit.
 *
 * Operations on one project's mirror are serialized in this process; two processes must not share
 * one `cacheDir`.
 */
export class RunWorkspaces {
  private readonly timeoutMs: number;
  private readonly config: string[];
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The URL each mirror's `origin` was last set to by this process (saves a git call per run). */
  private readonly mirrorUrls = new Map<string, string>();

  constructor(private readonly options: RunWorkspacesOptions) {
    this.timeoutMs = options.gitTimeoutMs ?? 120_000;
    const who = options.committer ?? { name: 'Autopilot', email: 'autopilot@autopilot.invalid' };
    this.config = [`user.name=${who.name}`, `user.email=${who.email}`, 'commit.gpgsign=false'];
  }

  /**
   * The run's worktree, made or reattached, on its branch. The same call serves a first dispatch
   * and a resume (on this worker or another): it reconciles first. The branch's tip, here or in the
   * project's repository, must descend from the last recorded checkpoint (or the base); commits past
   * it must carry this run's trailer and are returned in `adopted`, never redone. Rejects with
   * BaseCommitNotFoundError, CheckpointMissingError, RunBranchDivergedError,
   * DefaultBranchWriteRefusedError or a GitError; a rejection leaves every branch as it was.
   */
  async open(project: ProjectRepository, run: RunWorkspaceRequest): Promise<RunWorkspace> {
    const mirror = this.mirrorPath(project);
    return this.serialized(mirror, async () => {
      const git = await this.ensureMirror(project, mirror);
      const branch = run.branch ?? runBranchName(run.task, run.runId);
      const advertised = await this.listRemote(git, project, branch);
      const defaultBranch = project.defaultBranch ?? advertised.headBranch;
      if (defaultBranch === undefined) {
        throw new BaseCommitNotFoundError(run.runId, run.baseCommit, redactCredentials(project.url));
      }
      if (!isRunBranch(branch, defaultBranch)) {
        throw new DefaultBranchWriteRefusedError(run.runId, branch, defaultBranch);
      }
      const fromTip = run.baseCommit === ZERO_COMMIT;
      const defaultTip = advertised.refs.get(`refs/heads/${defaultBranch}`);
      let base = fromTip ? defaultTip : run.baseCommit;
      const remoteTip = advertised.refs.get(`refs/heads/${branch}`);
      const wanted = [base, remoteTip, run.lastCheckpoint].filter((c): c is string => c !== undefined);
      // Commits found present stay present (a fetch only adds): each is asked about once.
      const present = new Set<string>();
      const have = async (commit: string) =>
        present.has(commit) || ((await hasCommit(git, commit)) && present.add(commit).has(commit));
      let missing = false;
      for (const commit of wanted) if (!(await have(commit))) missing = true;
      if (missing) await git.raw(['fetch', '-q', '--prune', 'origin']);
      if (base === undefined || !(await have(base))) {
        throw new BaseCommitNotFoundError(run.runId, base ?? run.baseCommit, redactCredentials(project.url));
      }
      if (run.lastCheckpoint !== undefined && !(await have(run.lastCheckpoint)))
        throw new CheckpointMissingError(run.runId, branch, run.lastCheckpoint);

      const localTip = await resolveIfPresent(git, `refs/heads/${branch}`);
      const anyTip = remoteTip ?? localTip;
      if (fromTip && run.lastCheckpoint === undefined && anyTip !== undefined) {
        // A redelivered first dispatch whose base was never recorded: the default branch may have
        // moved since the branch was made, so the base is where the branch left it.
        base = (await git.raw(['merge-base', base, anyTip])).trim();
      }
      const expected = run.lastCheckpoint ?? base;
      let head = expected;
      for (const tip of [localTip, remoteTip]) {
        if (tip === undefined || tip === head) continue;
        if (await isAncestor(git, head, tip)) head = tip;
        else if (!(await isAncestor(git, tip, head))) {
          throw new RunBranchDivergedError(run.runId, branch, head, tip, 'the copies of the branch diverged');
        }
      }
      if (run.lastCheckpoint !== undefined && !(await isAncestor(git, base, run.lastCheckpoint))) {
        throw new RunBranchDivergedError(
          run.runId,
          branch,
          base,
          run.lastCheckpoint,
          'checkpoint not on base',
        );
      }
      const adopted = await this.runCommits(git, run, branch, expected, head);

      const path = join(this.options.cacheDir, 'worktrees', projectKey(project), safeName(run.runId));
      const salvagedRef = await this.attach(git, run.runId, branch, path, localTip, head);
      // What is recorded or adopted must be in the project's repository before anyone records it:
      // this worker's copy may hold commits a crash kept from being pushed.
      if (head !== base && head !== remoteTip) await this.pushBranch(git, run.runId, branch, defaultBranch);
      const bootstrap = await this.bootstrap(project, mirror, path);
      return {
        projectId: project.projectId,
        runId: run.runId,
        taskId: run.taskId,
        branch,
        defaultBranch,
        path,
        mirror,
        baseCommit: base,
        baseSource: fromTip ? 'default_branch_tip' : 'recorded',
        head,
        adopted,
        ...(salvagedRef !== undefined ? { salvagedRef } : {}),
        bootstrap,
      };
    });
  }

  /**
   * Commits the worktree's state on the run branch (`subject`, default "checkpoint step N", then a
   * line naming task, run and step, and `Autopilot-*` trailers) and pushes the branch to the project's repository. Idempotent: with
   * nothing changed it returns the tip (`created: false`) and pushes it if the push was missed.
   * Record `commit` only after this resolves.
   */
  async checkpoint(ws: RunWorkspace, step: string | number, subject?: string): Promise<Checkpoint> {
    const label = oneLine(String(step));
    const git = await this.worktreeGit(ws);
    const created = await this.commitAll(git, ws, oneLine(subject ?? `checkpoint step ${label}`), label);
    const commit = await git.resolveCommit('HEAD');
    await this.push(ws);
    return { commit, step: label, created };
  }

  /**
   * Puts the worktree back to `target` (the base or any commit of the branch): the current state is
   * checkpointed first, then a commit with the target's tree is added and pushed. The branch only
   * moves forward, so every commit stays reachable. Rejects with RollbackTargetError for any other
   * target, nothing changed.
   */
  async rollback(ws: RunWorkspace, target: string, step: string | number): Promise<RollbackResult> {
    const label = oneLine(String(step));
    const git = await this.worktreeGit(ws);
    const commit = await resolveIfPresent(git, target);
    if (commit === undefined || !(commit === ws.baseCommit || (await isAncestor(git, commit, 'HEAD')))) {
      throw new RollbackTargetError(ws.runId, target, ws.branch);
    }
    const saved = (await this.commitAll(git, ws, `checkpoint step ${label} before rollback`, label))
      ? { commit: await git.resolveCommit('HEAD'), step: label, created: true }
      : undefined;
    // Everything is committed now, so the index is the tree: reading the target's tree into it (and
    // the worktree) removes exactly the files the target lacks, nothing untracked.
    await git.raw(['read-tree', '-u', '--reset', commit]);
    const created = await this.commitAll(
      git,
      ws,
      `roll back to ${commit.slice(0, 12)} at step ${label}`,
      label,
    );
    const rollback = { commit: await git.resolveCommit('HEAD'), step: label, created };
    await this.push(ws);
    return saved ? { saved, rollback } : { rollback };
  }

  /**
   * Removes the worktree (the branch stays, here and in the project's repository). Rejects with
   * UnsavedWorkError, removing nothing, when the worktree holds uncommitted changes or a commit the
   * pushed branch does not hold.
   */
  async remove(ws: RunWorkspace): Promise<void> {
    const git = await this.worktreeGit(ws);
    const status = (await git.raw(['status', '--porcelain', '--untracked-files=all'])).trim();
    if (status !== '') {
      const count = status.split('\n').length;
      throw new UnsavedWorkError(ws.runId, ws.path, `${count} uncommitted change(s)`);
    }
    const head = await git.resolveCommit('HEAD');
    await this.serialized(ws.mirror, async () => {
      const mirror = this.git(ws.mirror);
      if (head !== ws.baseCommit) {
        const advertised = await this.listRemoteRef(mirror, `refs/heads/${ws.branch}`);
        if (advertised === undefined) {
          throw new UnsavedWorkError(
            ws.runId,
            ws.path,
            `branch ${ws.branch} is not in the project's repository`,
          );
        }
        if (!(await hasCommit(mirror, advertised))) await mirror.raw(['fetch', '-q', '--prune', 'origin']);
        if (advertised !== head && !(await isAncestor(mirror, head, advertised))) {
          throw new UnsavedWorkError(
            ws.runId,
            ws.path,
            `commit ${head} is not on ${ws.branch} in the project's repository`,
          );
        }
      }
      await mirror.raw(['worktree', 'remove', ws.path]);
    });
  }

  /** The mirror's directory for `project`: its id and a hash of its URL (a moved repository gets a new one). */
  mirrorPath(project: ProjectRepository): string {
    return join(this.options.cacheDir, 'mirrors', `${projectKey(project)}.git`);
  }

  private git(dir: string): Git {
    return new Git(dir, { timeoutMs: this.timeoutMs, config: this.config });
  }

  /** Git in the worktree, after checking it is still on the run branch (a command may have moved HEAD). */
  private async worktreeGit(ws: RunWorkspace): Promise<Git> {
    if (!isRunBranch(ws.branch, ws.defaultBranch)) {
      throw new DefaultBranchWriteRefusedError(ws.runId, ws.branch, ws.defaultBranch);
    }
    const git = this.git(ws.path);
    const current = await git.currentBranch();
    if (current !== ws.branch) {
      throw new DefaultBranchWriteRefusedError(ws.runId, current ?? 'HEAD (detached)', ws.defaultBranch);
    }
    return git;
  }

  /** Stages everything (bootstrap files are excluded) and commits; false when there was nothing. */
  private async commitAll(git: Git, ws: RunWorkspace, subject: string, step: string): Promise<boolean> {
    await git.raw(['add', '-A']);
    if (!(await exitsNonZero(() => git.raw(['diff', '--cached', '--quiet'])))) return false;
    const body = `Task ${ws.taskId}, run ${ws.runId}, step ${step}.`;
    const trailers = `${TRAILER_TASK}: ${ws.taskId}\n${TRAILER_RUN}: ${ws.runId}\n${TRAILER_STEP}: ${step}`;
    // --no-verify: hooks would run project code outside the sandbox.
    await git.raw(['commit', '-q', '--no-verify', '-m', `autopilot: ${subject}`, '-m', body, '-m', trailers]);
    return true;
  }

  /** Pushes the run branch, never forced, to the same name in the project's repository. */
  private push(ws: RunWorkspace): Promise<void> {
    return this.pushBranch(this.git(ws.mirror), ws.runId, ws.branch, ws.defaultBranch);
  }

  private async pushBranch(mirror: Git, runId: string, branch: string, defaultBranch: string): Promise<void> {
    if (!isRunBranch(branch, defaultBranch))
      throw new DefaultBranchWriteRefusedError(runId, branch, defaultBranch);
    const ref = `refs/heads/${branch}`;
    await mirror.raw(['push', '-q', '--no-verify', 'origin', `${ref}:${ref}`]);
  }

  /** Creates the mirror on first use (built aside, then renamed into place), and points it at `project.url`. */
  private async ensureMirror(project: ProjectRepository, mirror: string): Promise<Git> {
    if (!(await exists(mirror))) {
      await mkdir(dirname(mirror), { recursive: true });
      const building = `${mirror}.${process.pid}.building`;
      await rm(building, { recursive: true, force: true });
      await mkdir(building);
      const git = this.git(building);
      await git.raw(['init', '-q', '--bare']);
      await git.raw(['remote', 'add', 'origin', project.url]);
      // A bare repository keeps no reflog by default; run branches get one, for inspection.
      await git.raw(['config', 'core.logAllRefUpdates', 'always']);
      await rename(building, mirror);
    }
    const git = this.git(mirror);
    if (this.mirrorUrls.get(mirror) !== project.url) {
      if ((await git.raw(['remote', 'get-url', 'origin'])).trim() !== project.url) {
        await git.raw(['remote', 'set-url', 'origin', project.url]);
      }
      this.mirrorUrls.set(mirror, project.url);
    }
    return git;
  }

  /** One `git ls-remote`: the default branch HEAD names, and the tips of the default and run branches. */
  private async listRemote(
    git: Git,
    project: ProjectRepository,
    branch: string,
  ): Promise<{ headBranch?: string; refs: Map<string, string> }> {
    const patterns = ['HEAD', `refs/heads/${branch}`];
    if (project.defaultBranch !== undefined) patterns.push(`refs/heads/${project.defaultBranch}`);
    const out = await git.raw(['ls-remote', '--symref', 'origin', ...patterns]);
    const refs = new Map<string, string>();
    let headBranch: string | undefined;
    for (const line of out.split('\n')) {
      const [left, name] = line.split('\t');
      if (left === undefined || name === undefined) continue;
      if (left.startsWith('ref: ')) {
        if (name === 'HEAD') headBranch = left.slice('ref: refs/heads/'.length);
      } else refs.set(name, left);
    }
    // `HEAD`'s line carries the tip of the branch it names.
    const headTip = refs.get('HEAD');
    if (headBranch !== undefined && headTip !== undefined && !refs.has(`refs/heads/${headBranch}`)) {
      refs.set(`refs/heads/${headBranch}`, headTip);
    }
    return { ...(headBranch !== undefined ? { headBranch } : {}), refs };
  }

  private async listRemoteRef(git: Git, ref: string): Promise<string | undefined> {
    const out = await git.raw(['ls-remote', 'origin', ref]);
    for (const line of out.split('\n')) {
      const [sha, name] = line.split('\t');
      if (name === ref && sha) return sha;
    }
    return undefined;
  }

  /** The commits in `from..to`, oldest first; each must carry this run's trailer. */
  private async runCommits(
    git: Git,
    run: RunWorkspaceRequest,
    branch: string,
    from: string,
    to: string,
  ): Promise<AdoptedCommit[]> {
    if (from === to) return [];
    const format =
      `%H%x1f%(trailers:key=${TRAILER_RUN},valueonly,separator=%x2c)` +
      `%x1f%(trailers:key=${TRAILER_STEP},valueonly,separator=%x2c)%x1e`;
    const out = await git.raw(['log', '--reverse', `--format=${format}`, `${from}..${to}`]);
    const commits: AdoptedCommit[] = [];
    for (const record of out.split('\x1e')) {
      const [commit, runId, step] = record.trim().split('\x1f');
      if (!commit) continue;
      if (runId?.trim() !== run.runId) {
        throw new RunBranchDivergedError(
          run.runId,
          branch,
          from,
          to,
          `commit ${commit} was not made by this run`,
        );
      }
      commits.push({ commit, step: step?.trim() ?? '' });
    }
    return commits;
  }

  /**
   * Puts a worktree at `path` on `branch` at `head`: a registered one is reused (its uncommitted
   * changes salvaged first), the branch fast-forwarded, never moved back. Returns the salvage ref.
   */
  private async attach(
    git: Git,
    runId: string,
    branch: string,
    path: string,
    localTip: string | undefined,
    head: string,
  ): Promise<string | undefined> {
    if (await exists(path)) {
      if (!(await this.registeredWorktrees(git)).has(path)) {
        throw new RunBranchDivergedError(
          runId,
          branch,
          head,
          'none',
          `${path} exists but is no worktree of the mirror`,
        );
      }
      const wt = this.git(path);
      if ((await wt.currentBranch()) !== branch) {
        throw new RunBranchDivergedError(
          runId,
          branch,
          head,
          'HEAD',
          `worktree ${path} is not on the branch`,
        );
      }
      const salvaged = await this.salvage(wt, runId);
      // The branch's tip is an ancestor of `head` (checked by open): a fast-forward.
      await wt.raw(['reset', '-q', '--hard', head]);
      return salvaged;
    }
    if (localTip !== undefined && localTip !== head) {
      await git.raw(['update-ref', `refs/heads/${branch}`, head, localTip]);
    }
    await mkdir(dirname(path), { recursive: true });
    const add =
      localTip === undefined
        ? ['worktree', 'add', '-q', '-b', branch, path, head]
        : ['worktree', 'add', '-q', path, branch];
    try {
      await git.raw(add);
    } catch (err) {
      // Its directory was deleted without `git worktree remove`: forget the registration, once.
      if (!(err instanceof GitCommandError && /already registered/.test(err.stderr))) throw err;
      await git.raw(['worktree', 'prune']);
      await git.raw(add);
    }
    return undefined;
  }

  /** Keeps uncommitted changes (untracked files too) as a commit under a salvage ref; the tree is then reset. */
  private async salvage(wt: Git, runId: string): Promise<string | undefined> {
    await wt.raw(['add', '-A']);
    if (!(await exitsNonZero(() => wt.raw(['diff', '--cached', '--quiet', 'HEAD'])))) return undefined;
    const stash = (await wt.raw(['stash', 'create', `salvaged from run ${runId}`])).trim();
    const ref = `${SALVAGE_REFS}/${safeName(runId)}/${stash.slice(0, 12)}`;
    await wt.raw(['update-ref', ref, stash]);
    await wt.raw(['reset', '-q', '--hard', 'HEAD']);
    return ref;
  }

  private async registeredWorktrees(git: Git): Promise<Set<string>> {
    const out = await git.raw(['worktree', 'list', '--porcelain']);
    const paths = new Set<string>();
    for (const line of out.split('\n')) if (line.startsWith('worktree ')) paths.add(line.slice(9));
    return paths;
  }

  /**
   * Copies the project's bootstrap files into the worktree and lists them in the mirror's
   * `info/exclude`, so a checkpoint never commits them. Skips (and reports) a path that is not a
   * plain relative path, not a regular file in the source, tracked by the repository, or would land
   * outside the worktree through a symlink.
   */
  private async bootstrap(
    project: ProjectRepository,
    mirror: string,
    path: string,
  ): Promise<BootstrapReport> {
    const files = project.bootstrapFiles ?? [];
    const copied: string[] = [];
    const skipped: { path: string; reason: string }[] = [];
    if (files.length === 0) return { copied, skipped };
    const from = project.bootstrapFrom ?? (await localWorkTree(project.url));
    if (from === undefined) {
      return { copied, skipped: files.map((p) => ({ path: p, reason: 'no local checkout to copy from' })) };
    }
    const excludes = files.filter(isPlainRelative).map((p) => `/${p.split(sep).join('/')}`);
    await addExcludes(mirror, excludes);
    const wt = this.git(path);
    const root = await realpath(path);
    for (const file of files) {
      if (!isPlainRelative(file)) {
        skipped.push({ path: file, reason: 'not a relative path inside the checkout' });
        continue;
      }
      const source = join(from, file);
      const info = await lstat(source).catch(() => undefined);
      if (!info?.isFile()) {
        skipped.push({ path: file, reason: info ? 'not a regular file' : 'missing in the checkout' });
        continue;
      }
      if ((await wt.raw(['ls-files', '--', file])).trim() !== '') {
        skipped.push({ path: file, reason: 'tracked by the repository: not overwritten' });
        continue;
      }
      const target = join(path, file);
      await mkdir(dirname(target), { recursive: true });
      const parent = await realpath(dirname(target));
      if (parent !== root && !parent.startsWith(root + sep)) {
        skipped.push({ path: file, reason: 'a symlink leads outside the worktree' });
        continue;
      }
      await rm(target, { force: true });
      await copyFile(source, target, constants.COPYFILE_EXCL);
      copied.push(file);
    }
    return { copied, skipped };
  }

  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

function projectKey(project: ProjectRepository): string {
  const hash = createHash('sha256').update(project.url).digest('hex').slice(0, 12);
  return `${safeName(project.projectId)}-${hash}`;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80) || '_';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function isPlainRelative(path: string): boolean {
  if (path === '' || isAbsolute(path)) return false;
  const norm = normalize(path);
  const parts = norm.split(sep);
  return !parts.includes('..') && parts[0] !== '.git' && norm !== '.';
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function hasCommit(git: Git, commit: string): Promise<boolean> {
  return (await resolveIfPresent(git, commit)) !== undefined;
}

async function resolveIfPresent(git: Git, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveCommit(ref);
  } catch (err) {
    if (err instanceof GitRefNotFoundError) return undefined;
    throw err;
  }
}

async function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  return !(await exitsNonZero(() => git.raw(['merge-base', '--is-ancestor', ancestor, descendant])));
}

/** True when the git command exits 1 (its "no"/"differs" answer); other failures are rethrown. */
async function exitsNonZero(command: () => Promise<unknown>): Promise<boolean> {
  try {
    await command();
    return false;
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) return true;
    throw err;
  }
}

/** `url` as a directory when it names a local non-bare checkout. */
async function localWorkTree(url: string): Promise<string | undefined> {
  let dir: string;
  if (url.startsWith('file://')) dir = fileURLToPath(url);
  else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url) || /^[^/]+@[^/]+:/.test(url)) return undefined;
  else dir = url;
  if (!(await exists(join(dir, '.git')))) return undefined;
  return (await new Git(dir).kind()) === 'worktree' ? dir : undefined;
}

async function addExcludes(mirror: string, patterns: readonly string[]): Promise<void> {
  const file = join(mirror, 'info', 'exclude');
  const current = await readFile(file, 'utf8').catch(() => '');
  const lines = new Set(current.split('\n'));
  const missing = patterns.filter((p) => !lines.has(p));
  if (missing.length === 0) return;
  await mkdir(dirname(file), { recursive: true });
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  await writeFile(file, `${prefix}${missing.join('\n')}\n`);
}
