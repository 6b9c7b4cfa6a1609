import { spawn } from 'node:child_process';
import { RepoReadError, type RepoSnapshotReader } from '../app/gap-repo-reader';
import {
  LARGE_FILE_BYTES,
  MAX_CONTENT_BYTES,
  wantsContent,
  type RepoSnapshot,
  type RepoSnapshotFile,
} from '../domain/gaps/gap-snapshot';

/**
 * Reads a repository through git plumbing, read-only: `rev-parse` to pin the commit, `ls-tree` for
 * paths and sizes, `cat-file` for contents. Every call is an argv (no shell), with optional locks
 * off, so a scan never writes, not even the index. It reads the committed tree, not the working
 * copy: "the same repository state" is a commit, and uncommitted files are nobody's history yet.
 */
export class GitRepoSnapshotReader implements RepoSnapshotReader {
  constructor(private readonly options: { timeoutMs?: number } = {}) {}

  async read(path: string, commit?: string): Promise<RepoSnapshot> {
    const git = (args: readonly string[], input?: Buffer) =>
      runGit(path, args, input, this.options.timeoutMs ?? 60_000);
    const rev = commit ?? 'HEAD';
    if (rev.startsWith('-')) throw new RepoReadError(path, `"${rev}" is not a commit`);
    const resolved = await git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${rev}^{commit}`,
    ]).catch((cause: unknown) => {
      throw new RepoReadError(path, commit ? `no commit ${commit}` : 'not a git repository with commits', {
        cause,
      });
    });
    const sha = resolved.toString('utf8').trim();

    const entries = parseLsTree(await git(['ls-tree', '-r', '-l', '-z', '--full-tree', sha]));
    const files: RepoSnapshotFile[] = [];
    const wanted = entries.filter((e) => wantsContent(e.path) && e.size <= MAX_CONTENT_BYTES);
    const contents = await readBlobs(
      git,
      wanted.map((e) => e.object),
    );
    for (const entry of entries) {
      const binary = entry.size >= LARGE_FILE_BYTES ? await isBinaryBlob(path, entry.object) : false;
      const content = wantsContent(entry.path) ? contents.get(entry.object) : undefined;
      files.push({
        path: entry.path,
        size: entry.size,
        binary,
        ...(content !== undefined ? { content } : {}),
      });
    }
    return { commit: sha, files };
  }
}

interface TreeEntry {
  readonly object: string;
  readonly size: number;
  readonly path: string;
}

/** `<mode> <type> <object> <size>\t<path>` records, NUL-terminated; blobs only (not submodules). */
function parseLsTree(output: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [, type, object, size] = record.slice(0, tab).split(/ +/);
    if (type !== 'blob' || object === undefined) continue;
    entries.push({ object, size: Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

/** Contents of blobs by object id, through one `cat-file --batch`. */
async function readBlobs(
  git: (args: readonly string[], input?: Buffer) => Promise<Buffer>,
  objects: readonly string[],
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  const unique = [...new Set(objects)];
  if (unique.length === 0) return contents;
  const out = await git(['cat-file', '--batch'], Buffer.from(unique.map((o) => `${o}\n`).join('')));
  let pos = 0;
  while (pos < out.length) {
    const headerEnd = out.indexOf(0x0a, pos);
    if (headerEnd === -1) break;
    const [object, type, size] = out.subarray(pos, headerEnd).toString('utf8').split(' ');
    if (type === 'missing' || object === undefined) {
      pos = headerEnd + 1;
      continue;
    }
    const length = Number(size);
    contents.set(object, out.subarray(headerEnd + 1, headerEnd + 1 + length).toString('utf8'));
    pos = headerEnd + 1 + length + 1; // content, then a newline
  }
  return contents;
}

/** Git's own test: a NUL byte in the first 8000 bytes. Reads no more than that of the blob. */
function isBinaryBlob(repo: string, object: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, '--no-optional-locks', 'cat-file', 'blob', object], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: gitEnv(),
    });
    let seen = 0;
    let settled = false;
    const settle = (binary: boolean) => {
      if (settled) return;
      settled = true;
      child.kill();
      resolve(binary);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const room = Math.min(chunk.length, 8000 - seen);
      if (chunk.subarray(0, room).includes(0)) settle(true);
      seen += room;
      if (seen >= 8000) settle(false);
    });
    child.on('error', (e) => {
      if (!settled) reject(new RepoReadError(repo, `git cat-file failed: ${e.message}`, { cause: e }));
    });
    child.on('close', () => settle(false));
  });
}

/** Runs git with argv only; resolves stdout, rejects with stderr on a non-zero exit or timeout. */
function runGit(
  repo: string,
  args: readonly string[],
  input: Buffer | undefined,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, '--no-optional-locks', ...args], {
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: gitEnv(),
      timeout: timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) =>
      reject(new RepoReadError(repo, `git ${args[0]} failed: ${e.message}`, { cause: e })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const stderr = Buffer.concat(err).toString('utf8').trim().slice(0, 500);
        reject(new RepoReadError(repo, `git ${args[0]} exited ${code ?? signal}: ${stderr}`));
      }
    });
    if (input) child.stdin?.end(input);
  });
}

/** The caller's environment, minus anything that would make git write or prompt. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}
