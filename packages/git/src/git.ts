import {
  GitConstructError,
  GitPluginError,
  simpleGit,
  type SimpleGit,
  type SimpleGitOptions,
} from 'simple-git';
import { ALLOWED_GIT_VARIABLES, gitEnvironment } from './git-environment';
import {
  GitCommandError,
  GitError,
  GitNotARepositoryError,
  GitRefNotFoundError,
  GitTimeoutError,
  redactCredentials,
} from './git-errors';

export interface GitOptions {
  /** A git process that writes nothing for this long is killed (GitTimeoutError). Default 60 s. */
  readonly timeoutMs?: number;
  /**
   * `-c key=value` settings for every command (a commit identity, say). simple-git refuses the ones
   * that would run a program (`core.pager`, `core.sshCommand`, ...) with a GitCommandError.
   */
  readonly config?: readonly string[];
}

/** One entry of the index (`git ls-files --stage`). */
export interface GitIndexEntry {
  readonly mode: string;
  readonly object: string;
  /** 0, or 1-3 for the sides of a conflict. */
  readonly stage: number;
  readonly path: string;
}

/** One entry of a tree (`git ls-tree -r`): blobs and gitlinks (submodules, `type` 'commit'). */
export interface GitTreeEntry {
  readonly mode: string;
  readonly type: 'blob' | 'commit';
  readonly object: string;
  /** Bytes, for blobs when listed with `sizes`. */
  readonly size?: number;
  readonly path: string;
}

/** A blob's first bytes and its whole size. */
export interface GitBlob {
  readonly bytes: Uint8Array;
  readonly size: number;
  /** True when `size` is more than the bytes kept. */
  readonly truncated: boolean;
}

/** Mode of a symlink entry: git stores the link text as the blob. */
export const SYMLINK_MODE = '120000';
/** Mode of a gitlink (a submodule's commit). */
export const GITLINK_MODE = '160000';

const DEFAULT_TIMEOUT_MS = 60_000;
/** Paths per `git hash-object` call, well under the argv limit. */
const HASH_BATCH = 200;
/** Blob bytes one `cat-file --batch` call may return: its output is held in memory whole. */
const BATCH_BYTES = 32 * 1024 * 1024;
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface Failure {
  exitCode: number;
  stderr: string;
}

interface RunOptions {
  /** Written to git's stdin. */
  readonly input?: string;
  /** Sees stdout as it arrives; returning true kills git (the call then resolves with what it had). */
  readonly onStdout?: (chunk: Buffer) => boolean;
}

/**
 * Git in one directory, driven through simple-git: argv only (never a shell), the environment of
 * `gitEnvironment()` (no inherited `GIT_*`, no prompts, no optional locks), a timeout on silence,
 * and failures as typed GitErrors. Read helpers cover what repository scans need; `raw` runs the
 * rest (a future worker's `worktree add`, say) under the same rules.
 *
 *   const git = new Git('/srv/repo');
 *   const commit = await git.resolveCommit('main'); // GitRefNotFoundError when it names none
 *   const files = await git.listTree(commit, { sizes: true });
 */
export class Git {
  private readonly timeoutMs: number;

  constructor(
    /** The directory git runs in; a subdirectory of a work tree scopes path-relative commands. */
    readonly dir: string,
    private readonly options: GitOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Runs `git <argv>` and resolves its stdout as UTF-8. Rejects with a GitError. */
  raw(argv: readonly string[], options: { input?: string } = {}): Promise<string> {
    return this.run(argv, options, (client) => client.raw([...argv]));
  }

  /**
   * 'worktree' inside a work tree, 'bare' in a bare repository, undefined when `dir` is in no
   * repository (or is a `.git` directory itself). Rejects with a GitError when git cannot tell.
   */
  async kind(): Promise<'worktree' | 'bare' | undefined> {
    let out: string;
    try {
      out = await this.raw(['rev-parse', '--is-bare-repository', '--is-inside-work-tree']);
    } catch (err) {
      if (err instanceof GitNotARepositoryError) return undefined;
      throw err;
    }
    const [bare, inside] = out.trim().split('\n');
    if (bare === 'true') return 'bare';
    return inside === 'true' ? 'worktree' : undefined;
  }

  /**
   * The commit `ref` (branch, tag, commit id, `HEAD`, `main~2`) names. Rejects with
   * GitRefNotFoundError when it names none (also for a ref that looks like an option),
   * GitNotARepositoryError outside a repository.
   */
  async resolveCommit(ref: string): Promise<string> {
    // A ref starting with '-' would be read as an option; no branch or tag name can start with one.
    if (ref === '' || ref.startsWith('-') || ref.includes('\0')) throw new GitRefNotFoundError(this.dir, ref);
    try {
      const out = await this.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
      return out.trim();
    } catch (err) {
      // --verify --quiet exits 1 (no such object) or 128 (not a revision) without naming why.
      if (err instanceof GitCommandError && (err.exitCode === 1 || err.exitCode === 128)) {
        throw new GitRefNotFoundError(this.dir, ref);
      }
      throw err;
    }
  }

  /** HEAD's commit, or undefined before the first commit (an unborn branch). */
  async headCommit(): Promise<string | undefined> {
    try {
      return await this.resolveCommit('HEAD');
    } catch (err) {
      if (err instanceof GitRefNotFoundError) return undefined;
      throw err;
    }
  }

  /** The branch checked out (`git symbolic-ref --short HEAD`), or undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    try {
      return (await this.raw(['symbolic-ref', '--short', '-q', 'HEAD'])).trim() || undefined;
    } catch (err) {
      // -q: a detached HEAD exits 1 and says nothing.
      if (err instanceof GitCommandError && err.exitCode === 1) return undefined;
      throw err;
    }
  }

  /** The index (`git ls-files --stage`), paths relative to `dir`; a conflicted path once per stage. */
  async listIndex(): Promise<GitIndexEntry[]> {
    const entries: GitIndexEntry[] = [];
    for (const record of (await this.raw(['ls-files', '--stage', '-z'])).split('\0')) {
      // `<mode> <object> <stage>\t<path>`
      const tab = record.indexOf('\t');
      if (tab < 0) continue;
      const [mode, object, stage] = record.slice(0, tab).split(' ');
      if (mode === undefined || object === undefined) continue;
      entries.push({ mode, object, stage: Number(stage), path: record.slice(tab + 1) });
    }
    return entries;
  }

  /**
   * Tracked files whose working-tree copy differs from the index (`git diff-files --name-status`),
   * paths relative to `dir`: status `D` for deleted, `M` for modified, `T` for a type change.
   */
  async listWorkTreeChanges(): Promise<{ status: string; path: string }[]> {
    const fields = (await this.raw(['diff-files', '--name-status', '--relative', '-z'])).split('\0');
    const changes: { status: string; path: string }[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [status, path] = [fields[i], fields[i + 1]];
      if (status !== undefined && path !== undefined && path !== '') changes.push({ status, path });
    }
    return changes;
  }

  /** The blob ids the working-tree files at `paths` would get (`git hash-object`); nothing is written. */
  async hashFiles(paths: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < paths.length; i += HASH_BATCH) {
      const out = await this.raw(['hash-object', '--', ...paths.slice(i, i + HASH_BATCH)]);
      ids.push(...out.trim().split('\n'));
    }
    return ids;
  }

  /**
   * Every blob and gitlink of `commit`'s tree (`git ls-tree -r`), in git's order. Paths are relative
   * to `dir` (only its part of the tree) unless `fullTree`. `commit` must be an object id: resolve
   * refs with resolveCommit first.
   */
  async listTree(
    commit: string,
    options: { sizes?: boolean; fullTree?: boolean } = {},
  ): Promise<GitTreeEntry[]> {
    this.checkObjectId(commit);
    const argv = ['ls-tree', '-r', '-z'];
    if (options.sizes) argv.push('-l');
    if (options.fullTree) argv.push('--full-tree');
    argv.push(commit);
    const entries: GitTreeEntry[] = [];
    for (const record of (await this.raw(argv)).split('\0')) {
      // `<mode> <type> <object>[ <padded size>]\t<path>`
      const tab = record.indexOf('\t');
      if (tab < 0) continue;
      const [mode, type, object, size] = record.slice(0, tab).split(/ +/);
      if (mode === undefined || object === undefined || (type !== 'blob' && type !== 'commit')) continue;
      const bytes = size === undefined || size === '-' ? undefined : Number(size);
      entries.push({
        mode,
        type,
        object,
        ...(bytes !== undefined ? { size: bytes } : {}),
        path: record.slice(tab + 1),
      });
    }
    return entries;
  }

  /**
   * The blobs `ids` name, keeping at most `maxBytes` of each (a larger blob is read only that far,
   * never whole). Ids git does not have, and objects that are not blobs, are absent from the result.
   */
  async readBlobs(ids: readonly string[], options: { maxBytes: number }): Promise<Map<string, GitBlob>> {
    const unique = [...new Set(ids)];
    for (const id of unique) this.checkObjectId(id);
    const blobs = new Map<string, GitBlob>();
    if (unique.length === 0) return blobs;
    const sizes = await this.blobSizes(unique);
    const whole: string[] = [];
    const heads: string[] = [];
    for (const id of unique) {
      const size = sizes.get(id);
      if (size === undefined) continue;
      (size <= options.maxBytes ? whole : heads).push(id);
    }
    // Whole blobs through `cat-file --batch`, in calls of at most BATCH_BYTES.
    let batch: string[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      for (const [id, blob] of await this.catBatch(batch)) blobs.set(id, { ...blob, truncated: false });
      batch = [];
      batchBytes = 0;
    };
    for (const id of whole) {
      const size = sizes.get(id) ?? 0;
      if (batchBytes + size > BATCH_BYTES) await flush();
      batch.push(id);
      batchBytes += size;
    }
    await flush();
    // Larger blobs one process each, killed once `maxBytes` arrived: git streams, nothing more is read.
    for (const id of heads) {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      await this.run(
        ['cat-file', 'blob', id],
        {
          onStdout: (chunk) => {
            kept.push(chunk);
            keptBytes += chunk.length;
            return keptBytes >= options.maxBytes;
          },
        },
        (client) => client.binaryCatFile(['blob', id]),
      );
      const size = sizes.get(id) ?? keptBytes;
      const bytes = Buffer.concat(kept).subarray(0, options.maxBytes);
      blobs.set(id, { bytes, size, truncated: size > bytes.length });
    }
    return blobs;
  }

  /** Sizes of the blobs among `ids` (`git cat-file --batch-check`). */
  private async blobSizes(ids: readonly string[]): Promise<Map<string, number>> {
    const out = await this.raw(['cat-file', '--batch-check'], { input: ids.map((id) => `${id}\n`).join('') });
    const sizes = new Map<string, number>();
    for (const line of out.split('\n')) {
      const [id, type, size] = line.split(' ');
      if (id !== undefined && type === 'blob' && size !== undefined) sizes.set(id, Number(size));
    }
    return sizes;
  }

  /** Whole blobs through one `git cat-file --batch` (`<id> <type> <size>\n<content>\n` each). */
  private async catBatch(ids: readonly string[]): Promise<Map<string, { bytes: Uint8Array; size: number }>> {
    const input = ids.map((id) => `${id}\n`).join('');
    const out = await this.run(['cat-file', '--batch'], { input }, (client) =>
      client.binaryCatFile(['--batch']),
    );
    const found = new Map<string, { bytes: Uint8Array; size: number }>();
    let pos = 0;
    while (pos < out.length) {
      const headerEnd = out.indexOf(0x0a, pos);
      if (headerEnd < 0) break;
      const [id, type, size] = out.subarray(pos, headerEnd).toString('utf8').split(' ');
      pos = headerEnd + 1;
      if (id === undefined || type === 'missing' || size === undefined) continue;
      const length = Number(size);
      if (type === 'blob') found.set(id, { bytes: out.subarray(pos, pos + length), size: length });
      pos += length + 1; // the content, then a newline
    }
    return found;
  }

  private checkObjectId(id: string): void {
    if (!OBJECT_ID.test(id)) {
      throw new GitCommandError(this.dir, ['cat-file', id], undefined, 'not an object id');
    }
  }

  /** Runs one task on a fresh simple-git instance (each call keeps its own failure and hooks). */
  private async run<T>(
    argv: readonly string[],
    options: RunOptions,
    task: (client: SimpleGit) => Promise<T>,
  ): Promise<T> {
    let failure: Failure | undefined;
    const abort = options.onStdout ? new AbortController() : undefined;
    let client: SimpleGit;
    const config: Partial<SimpleGitOptions> = {
      baseDir: this.dir,
      timeout: { block: this.timeoutMs },
      // Done when git's output is closed, not 50 ms after it exited (simple-git 3's default; its
      // next major makes the close the default too): under load the timer could fire before the
      // rest of the output was read, and a command's output came back empty or cut short. Two
      // concurrent repository scans failed 3 times in 25 on a busy machine (`git ls-tree ''`, a blob
      // missing from `cat-file --batch`), none in 25 after this. The exit still ends the wait
      // after 10 s, should a child of git keep the pipe open.
      completion: { onClose: true, onExit: 10_000 },
      allowEnvironment: ALLOWED_GIT_VARIABLES,
      errors: (error, result) => {
        if (result.exitCode !== 0) {
          failure = { exitCode: result.exitCode, stderr: Buffer.concat(result.stdErr).toString('utf8') };
          // simple-git reports a non-zero exit only when git wrote to stderr; every one fails here.
          return error ?? new Error(`exit ${result.exitCode}`);
        }
        return error;
      },
      ...(this.options.config ? { config: [...this.options.config] } : {}),
      ...(options.input !== undefined ? { input: () => options.input } : {}),
      ...(abort ? { abort: abort.signal } : {}),
    };
    try {
      client = simpleGit(config).env(gitEnvironment());
    } catch (err) {
      if (err instanceof GitConstructError) throw new GitNotARepositoryError(this.dir);
      throw this.commandError(argv, undefined, (err as Error).message);
    }
    const onStdout = options.onStdout;
    client.outputHandler((_command, stdout) => {
      // simple-git's completion plugin waits 50 ms more after a process that wrote nothing (it
      // saw no 'data'), which every silent command pays: `commit -q`, `merge-base --is-ancestor`,
      // `worktree add -q`. One empty chunk, once its listener is attached right after this
      // handler returns, ends that wait; the collected output is unchanged.
      queueMicrotask(() => stdout.emit('data', Buffer.alloc(0)));
      if (onStdout && abort) {
        stdout.on('data', (chunk: Buffer) => {
          if (chunk.length > 0 && !abort.signal.aborted && onStdout(chunk)) abort.abort();
        });
      }
    });
    try {
      return await task(client);
    } catch (err) {
      if (abort?.signal.aborted && err instanceof GitPluginError && err.plugin === 'abort') {
        return undefined as T; // stopped on purpose: the caller kept what it needed
      }
      throw this.translate(argv, err, failure);
    }
  }

  private translate(argv: readonly string[], err: unknown, failure: Failure | undefined): GitError {
    if (err instanceof GitError) return err;
    if (err instanceof GitPluginError && err.plugin === 'timeout') {
      return new GitTimeoutError(this.dir, argv.map(redactCredentials), this.timeoutMs);
    }
    const stderr = failure?.stderr ?? (err instanceof Error ? err.message : String(err));
    if (/not a git repository/i.test(stderr)) return new GitNotARepositoryError(this.dir);
    return this.commandError(argv, failure?.exitCode, stderr);
  }

  // The simple-git error is not kept as `cause`: it holds the unmasked argv.
  private commandError(
    argv: readonly string[],
    exitCode: number | undefined,
    stderr: string,
  ): GitCommandError {
    return new GitCommandError(
      this.dir,
      argv.map(redactCredentials),
      exitCode,
      redactCredentials(stderr.trim()).slice(0, 2000),
    );
  }
}

/**
 * The branch checked out in the repository at `dir`, or undefined when HEAD is detached. Rejects
 * with GitNotARepositoryError when `dir` is in no repository.
 */
export function currentBranch(dir: string, options?: GitOptions): Promise<string | undefined> {
  return new Git(dir, options).currentBranch();
}
