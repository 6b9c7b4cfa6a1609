import { execFile, spawn } from 'node:child_process';
import type { RepoFile } from '@autopilot/contracts';
import { RepoReadError, RepoRefNotFoundError } from '../domain/repo-scan/repo-scan-errors';
import { comparePaths } from '../domain/repo-scan/repo-snapshot';

/**
 * Git as the source of a snapshot: tracked files and their blob ids from the index (`git ls-files
 * -s`, no file is read), or a ref's tree (`git ls-tree -r`). Every call is `execFile` with argv,
 * never a shell, and the ref is resolved to a commit id before anything else sees it.
 */

/** A listed file; symlinks are kept (git stores the link text as the blob), gitlinks (submodules) are not. */
export interface GitListedFile extends RepoFile {
  readonly symlink: boolean;
}

export interface GitListing {
  readonly files: GitListedFile[];
  readonly commit?: string;
}

const SYMLINK_MODE = '120000';
const GITLINK_MODE = '160000';
/** Listings of very large repositories run to tens of MB; past this something is wrong. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
/** Paths per `git hash-object` call, well under the argv limit. */
const HASH_BATCH = 200;

/**
 * The environment git runs with: the service's own, minus variables that would point git at
 * another repository or index (set when the service itself runs inside a git hook), plus no
 * prompts and no optional index locks (a scan must not write to the repository).
 */
function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
}

interface GitFailure {
  readonly exitCode: number | undefined;
  readonly stderr: string;
}

function runGit(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, env: gitEnvironment(), maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as { code?: unknown }).code;
        const failure: GitFailure = {
          exitCode: typeof code === 'number' ? code : undefined,
          stderr: String(stderr),
        };
        reject(Object.assign(err, { git: failure }));
      },
    );
  });
}

function gitFailure(err: unknown): GitFailure | undefined {
  return (err as { git?: GitFailure }).git;
}

function readError(root: string, what: string, err: unknown): RepoReadError {
  const detail = gitFailure(err)?.stderr.trim() || (err as Error).message;
  return new RepoReadError(root, `${what}: ${detail}`, { cause: err });
}

/** 'worktree' inside a work tree, 'bare' in a bare repository, undefined when `root` is not in git. */
export async function gitRepositoryKind(root: string): Promise<'worktree' | 'bare' | undefined> {
  try {
    const [bare, inside] = (
      await runGit(root, ['rev-parse', '--is-bare-repository', '--is-inside-work-tree'])
    )
      .trim()
      .split('\n');
    if (bare === 'true') return 'bare';
    return inside === 'true' ? 'worktree' : undefined;
  } catch (err) {
    // git answers "not a git repository" with exit code 128; anything else (no git binary) is a failure.
    if (gitFailure(err)?.exitCode === 128) return undefined;
    throw readError(root, 'git rev-parse failed', err);
  }
}

/**
 * The tracked files under `root` as the working tree has them: blob ids from the index, re-hashed
 * with `git hash-object` for files changed since they were staged, files deleted from disk left
 * out. Paths are relative to `root` (a subdirectory of a work tree lists only its own files).
 */
export async function listGitWorkTree(root: string): Promise<GitListing> {
  let staged: string;
  let changed: string;
  try {
    staged = await runGit(root, ['ls-files', '--stage', '-z']);
    changed = await runGit(root, ['diff-files', '--name-status', '--relative', '-z']);
  } catch (err) {
    throw readError(root, 'git ls-files failed', err);
  }
  const byPath = new Map<string, GitListedFile>();
  for (const entry of staged.split('\0')) {
    // `<mode> <blob id> <stage>\t<path>`; a conflicted path shows once per stage: keep the first.
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, hash] = entry.slice(0, tab).split(' ');
    const path = entry.slice(tab + 1);
    if (mode === undefined || hash === undefined || mode === GITLINK_MODE || byPath.has(path)) continue;
    byPath.set(path, { path, hash, symlink: mode === SYMLINK_MODE });
  }
  const rehash: string[] = [];
  const fields = changed.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [status, path] = [fields[i], fields[i + 1]];
    if (path === undefined || !byPath.has(path)) continue;
    if (status === 'D') byPath.delete(path);
    else rehash.push(path);
  }
  for (let i = 0; i < rehash.length; i += HASH_BATCH) {
    const batch = rehash.slice(i, i + HASH_BATCH);
    let ids: string[];
    try {
      ids = (await runGit(root, ['hash-object', '--', ...batch])).trim().split('\n');
    } catch (err) {
      throw readError(root, 'git hash-object failed', err);
    }
    batch.forEach((path, k) => {
      const file = byPath.get(path);
      const hash = ids[k];
      if (file && hash) byPath.set(path, { ...file, hash });
    });
  }
  return { files: sortFiles(byPath.values()), ...(await headCommit(root)) };
}

async function headCommit(root: string): Promise<{ commit?: string }> {
  try {
    return { commit: (await runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD'])).trim() };
  } catch (err) {
    // --verify --quiet exits 1 with no output before the first commit: an unborn HEAD has no commit.
    if (gitFailure(err)?.exitCode === 1) return {};
    throw readError(root, 'git rev-parse HEAD failed', err);
  }
}

/** Resolves `ref` to a commit id. Throws RepoRefNotFoundError when it names none. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  // A ref starting with '-' would be read as an option; no branch or tag name can start with one.
  if (ref.startsWith('-') || ref.includes('\0')) throw new RepoRefNotFoundError(root, ref);
  try {
    return (
      await runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
    ).trim();
  } catch (err) {
    if (gitFailure(err)?.exitCode === 1 || gitFailure(err)?.exitCode === 128)
      throw new RepoRefNotFoundError(root, ref);
    throw readError(root, `git rev-parse ${ref} failed`, err);
  }
}

/** The files of `commit`'s tree under `root` (paths relative to `root`). */
export async function listGitTree(root: string, commit: string): Promise<GitListing> {
  let tree: string;
  try {
    tree = await runGit(root, ['ls-tree', '-r', '-z', commit]);
  } catch (err) {
    throw readError(root, 'git ls-tree failed', err);
  }
  const files: GitListedFile[] = [];
  for (const entry of tree.split('\0')) {
    // `<mode> <type> <object id>\t<path>`
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, hash] = entry.slice(0, tab).split(' ');
    if (type !== 'blob' || mode === undefined || hash === undefined) continue;
    files.push({ path: entry.slice(tab + 1), hash, symlink: mode === SYMLINK_MODE });
  }
  return { files: sortFiles(files), commit };
}

function sortFiles(files: Iterable<GitListedFile>): GitListedFile[] {
  return [...files].sort((a, b) => comparePaths(a.path, b.path));
}

/** A blob's first bytes, and whether there were more. */
export interface BlobHead {
  readonly bytes: Uint8Array;
  readonly truncated: boolean;
}

/**
 * Reads blobs through one `git cat-file --batch` process, keeping at most `maxBytes` of each.
 * Blobs git does not have are absent from the result.
 */
export function readGitBlobs(
  root: string,
  ids: readonly string[],
  maxBytes: number,
): Promise<Map<string, BlobHead>> {
  const heads = new Map<string, BlobHead>();
  if (ids.length === 0) return Promise.resolve(heads);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], {
      cwd: root,
      env: gitEnvironment(),
      windowsHide: true,
    });
    const parser = new CatFileBatchParser(maxBytes, (id, head) => heads.set(id, head));
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => parser.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => reject(readError(root, 'git cat-file failed', err)));
    child.on('close', (code) => {
      if (code === 0) resolve(heads);
      else
        reject(
          new RepoReadError(root, `git cat-file exited ${code}: ${Buffer.concat(stderr).toString().trim()}`),
        );
    });
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
}

/** Parses `git cat-file --batch` output (`<id> <type> <size>\n<content>\n`, or `<id> missing\n`) as it streams. */
class CatFileBatchParser {
  private pending: Buffer = Buffer.alloc(0);
  private current:
    { id: string; remaining: number; kept: Buffer[]; keptBytes: number; size: number } | undefined;
  private awaitingNewline = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onBlob: (id: string, head: BlobHead) => void,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.awaitingNewline) {
        if (this.pending.length === 0) return;
        this.pending = this.pending.subarray(1);
        this.awaitingNewline = false;
        continue;
      }
      if (this.current) {
        const take = Math.min(this.current.remaining, this.pending.length);
        const keep = Math.min(take, this.maxBytes - this.current.keptBytes);
        if (keep > 0) {
          this.current.kept.push(Buffer.from(this.pending.subarray(0, keep)));
          this.current.keptBytes += keep;
        }
        this.pending = this.pending.subarray(take);
        this.current.remaining -= take;
        if (this.current.remaining > 0) return;
        const { id, kept, size } = this.current;
        this.onBlob(id, { bytes: Buffer.concat(kept), truncated: size > this.maxBytes });
        this.current = undefined;
        this.awaitingNewline = true;
        continue;
      }
      const newline = this.pending.indexOf(10);
      if (newline < 0) return;
      const [id, type, size] = this.pending.subarray(0, newline).toString('utf8').split(' ');
      this.pending = this.pending.subarray(newline + 1);
      if (id === undefined || type === 'missing' || size === undefined) continue;
      const bytes = Number(size);
      this.current = { id, remaining: bytes, kept: [], keptBytes: 0, size: bytes };
    }
  }
}
