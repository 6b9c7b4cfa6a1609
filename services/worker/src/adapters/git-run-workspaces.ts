import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Git } from '@autopilot/git';
import type {
  ChangedFile,
  ProvisionRequest,
  RunJournal,
  RunJournalEntry,
  RunWorkspaces as RunWorkspacesPort,
  Workspace,
  WorkspaceChanges,
  WorkerLog,
} from '../app/ports';
import { installCommandFor, type WorktreeManifest } from '../domain/run/install-command';
import { realWorktreeRoot, resolveWorktreePath } from '../tools';
import { RunWorkspaces, UnsavedWorkError, type RunWorkspace } from '../workspace';

/** Where a run's journal notes live, per run, in the mirror and in the project's repository. */
const journalRef = (runId: string): string => `refs/notes/autopilot/${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * The run loop's RunWorkspaces and RunJournal over the worker's worktrees (../workspace): a port
 * Workspace is the worktree's path with its base and head, and this adapter remembers which
 * RunWorkspace it is. The journal of a suspended run (its conversation and step state) is a git
 * note on the checkpoint commit, under a ref of its own per run (`refs/notes/autopilot/<run>`),
 * pushed to the project's repository beside the run branch: the worker that resumes it, on any
 * machine, fetches it from there. Nothing else is kept on the worker.
 */
export class GitRunWorkspaces implements RunWorkspacesPort, RunJournal {
  /** The worktree each Workspace handed out stands for (one per provisioning, never shared). */
  private readonly held = new WeakMap<Workspace, RunWorkspace>();
  /** The newest worktree of each run on this worker, for the journal. */
  private readonly byRunId = new Map<string, RunWorkspace>();
  /** Releases in flight, by run: a run provisioned again waits for its worktree's release to end. */
  private readonly releasing = new Map<string, Promise<void>>();

  constructor(
    private readonly workspaces: RunWorkspaces,
    private readonly log: WorkerLog,
    private readonly bootstrapFiles: readonly string[] = [],
  ) {}

  async provision(request: ProvisionRequest): Promise<Workspace> {
    await this.releasing.get(request.runId);
    const ws = await this.workspaces.open(
      {
        projectId: request.projectId,
        url: request.repo.location,
        defaultBranch: request.repo.defaultBranch,
        bootstrapFiles: this.bootstrapFiles,
      },
      {
        runId: request.runId,
        taskId: request.taskId,
        task: request.taskId,
        branch: request.branch,
        baseCommit: request.baseCommit,
        ...(request.resumeFrom ? { lastCheckpoint: request.resumeFrom.commit } : {}),
      },
    );
    this.byRunId.set(ws.runId, ws);
    const newest = ws.adopted.at(-1);
    const notes = [
      ws.baseSource === 'default_branch_tip'
        ? `started from ${ws.defaultBranch} at ${ws.baseCommit}`
        : `started from the recorded base ${ws.baseCommit}`,
      ...ws.bootstrap.copied.map((p) => `copied ${p} into the worktree (never committed)`),
      ...ws.bootstrap.skipped.map((s) => `did not copy ${s.path}: ${s.reason}`),
      ...(ws.salvagedRef ? [`uncommitted changes of an earlier attempt kept under ${ws.salvagedRef}`] : []),
    ];
    const install = installCommandFor(await manifestOf(ws.path));
    const workspace: Workspace = {
      root: ws.path,
      branch: ws.branch,
      baseCommit: ws.baseCommit,
      head: ws.head,
      ...(newest ? { adopted: newest } : {}),
      notes,
      ...(install ? { install } : {}),
    };
    this.held.set(workspace, ws);
    return workspace;
  }

  async commit(ws: Workspace, commit: { step: number; message: string }): Promise<string> {
    const subject = commit.message.split('\n', 1)[0] ?? `checkpoint step ${commit.step}`;
    return (await this.workspaces.checkpoint(this.runWorkspace(ws), commit.step, subject)).commit;
  }

  async changes(ws: Workspace): Promise<WorkspaceChanges> {
    const git = new Git(ws.root);
    // Intent-to-add makes new files part of the diff without staging their content.
    await git.raw(['add', '-A', '-N']);
    const numstat = await git.raw(['diff', '--numstat', '-z', ws.baseCommit]);
    const files: ChangedFile[] = [];
    const fields = numstat.split('\0');
    for (let i = 0; i < fields.length; i++) {
      const line = fields[i]!;
      if (line === '') continue;
      const [ins, del, path] = line.split('\t');
      // A rename prints "ins\tdel\t" then the old and the new path as their own fields.
      const name = path === '' ? fields[(i += 2)] : path;
      if (name === undefined) continue;
      files.push({
        path: name,
        insertions: ins === '-' ? 0 : Number(ins),
        deletions: del === '-' ? 0 : Number(del),
      });
    }
    const patch = await git.raw(['diff', ws.baseCommit]);
    return {
      stats: {
        filesChanged: files.length,
        insertions: files.reduce((n, f) => n + f.insertions, 0),
        deletions: files.reduce((n, f) => n + f.deletions, 0),
      },
      files,
      patch,
    };
  }

  async restorePaths(ws: Workspace, paths: readonly string[], commit: string): Promise<void> {
    const git = new Git(ws.root);
    for (const path of paths) {
      // The same path rules as the model's tools: nothing outside the worktree, nothing in .git.
      const target = await resolveWorktreePath(await realWorktreeRoot(ws.root), path);
      const inCommit = (await git.raw(['ls-tree', '--name-only', commit, '--', path])).trim() !== '';
      if (inCommit) await git.raw(['checkout', commit, '--', path]);
      else {
        await git.raw(['rm', '-q', '--cached', '--ignore-unmatch', '--', path]);
        await rm(target.absolute, { force: true });
      }
    }
  }

  async rollback(ws: Workspace, commit: string, step: number): Promise<void> {
    await this.workspaces.rollback(this.runWorkspace(ws), commit, step);
  }

  async release(ws: Workspace): Promise<void> {
    const held = this.runWorkspace(ws);
    const done = this.remove(held);
    this.releasing.set(held.runId, done);
    try {
      await done;
    } finally {
      if (this.releasing.get(held.runId) === done) this.releasing.delete(held.runId);
    }
  }

  private async remove(held: RunWorkspace): Promise<void> {
    try {
      await this.workspaces.remove(held);
      if (this.byRunId.get(held.runId) === held) this.byRunId.delete(held.runId);
    } catch (err) {
      // Never lose work: a worktree the branch does not fully hold stays for a person to look at.
      if (!(err instanceof UnsavedWorkError)) throw err;
      this.log.warn('worker: worktree kept: it holds work its branch does not', {
        runId: held.runId,
        path: held.path,
        reason: err.message,
      });
    }
  }

  async save(entry: RunJournalEntry): Promise<void> {
    const ws = this.byRun(entry.runId);
    const ref = journalRef(entry.runId);
    const mirror = new Git(ws.mirror);
    await mirror.raw(['notes', `--ref=${ref}`, 'add', '-f', '-F', '-', entry.checkpointCommit], {
      input: JSON.stringify(entry),
    });
    // Never forced: one run's journal has one writer at a time (the worker holding its lease).
    await mirror.raw(['push', '-q', '--no-verify', 'origin', `${ref}:${ref}`]);
  }

  async load(runId: string, checkpointCommit: string): Promise<RunJournalEntry | undefined> {
    const ws = this.byRun(runId);
    const ref = journalRef(runId);
    const mirror = new Git(ws.mirror);
    try {
      await mirror.raw(['fetch', '-q', 'origin', `+${ref}:${ref}`]);
    } catch {
      return undefined; // no journal was pushed for this run
    }
    let text: string;
    try {
      text = await mirror.raw(['notes', `--ref=${ref}`, 'show', checkpointCommit]);
    } catch {
      return undefined; // the checkpoint was adopted from the branch, with no journal of its own
    }
    const entry = JSON.parse(text) as RunJournalEntry;
    return entry.runId === runId && entry.checkpointCommit === checkpointCommit ? entry : undefined;
  }

  private runWorkspace(ws: Workspace): RunWorkspace {
    const held = this.held.get(ws);
    if (!held) throw new Error(`worktree ${ws.root} was not provisioned by this worker`);
    return held;
  }

  private byRun(runId: string): RunWorkspace {
    const ws = this.byRunId.get(runId);
    if (!ws) throw new Error(`run ${runId} has no worktree on this worker`);
    return ws;
  }
}

/** The worktree's root entries and its package.json, for the install step. */
async function manifestOf(root: string): Promise<WorktreeManifest> {
  const rootEntries = new Set(await readdir(root));
  if (!rootEntries.has('package.json')) return { rootEntries };
  try {
    const packageJson = JSON.parse(
      await readFile(join(root, 'package.json'), 'utf8'),
    ) as WorktreeManifest['packageJson'];
    return typeof packageJson === 'object' && packageJson !== null
      ? { rootEntries, packageJson }
      : { rootEntries };
  } catch {
    // A package.json that does not parse installs nothing; its own tests will say why.
    return { rootEntries };
  }
}
