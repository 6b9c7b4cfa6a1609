import { lstat, readFile } from 'node:fs/promises';
import { Script, createContext } from 'node:vm';
import { Git } from '@autopilot/git';
import {
  VIEW_FILE_MAX_LINES_V1,
  type ListFilesArgsV1,
  type SearchArgsV1,
  type ViewFileArgsV1,
} from '@autopilot/contracts';
import { minimatch } from 'minimatch';
import { readTextFile, splitLines } from './text-file';
import type { ToolLimits } from './tool-limits';
import { ToolRefusedError, toolSuccess, type ToolResult } from './tool-result';
import { resolveWorktreePath, type WorktreePath } from './worktree-paths';

/** The read-only tools: view_file, list_files, search. Paths are checked like a write's. */

const cut = (line: string, max: number): string =>
  line.length <= max ? line : `${line.slice(0, max)}… (${line.length - max} more characters)`;

export async function viewFile(
  realRoot: string,
  args: ViewFileArgsV1,
  limits: ToolLimits,
): Promise<ToolResult> {
  const path = await resolveWorktreePath(realRoot, args.path);
  const lines = splitLines(await readTextFile(path, limits.viewMaxFileBytes));
  const total = lines.length;
  if (total === 0) return toolSuccess(`${path.relative} is empty (0 lines)`);
  const start = args.start_line ?? 1;
  if (start > total) {
    throw new ToolRefusedError(`start_line ${start} is past the end: ${path.relative} has ${total} lines`);
  }
  if (args.end_line !== undefined && args.end_line < start) {
    throw new ToolRefusedError(`end_line ${args.end_line} is before start_line ${start}`);
  }
  const wanted = Math.min(args.end_line ?? total, total);
  const end = Math.min(wanted, start + VIEW_FILE_MAX_LINES_V1 - 1);
  const width = String(end).length;
  const body = lines
    .slice(start - 1, end)
    .map((line, i) => `${String(start + i).padStart(width)}\t${cut(line, limits.viewMaxLineChars)}`)
    .join('\n');
  const notes: string[] = [];
  if (args.end_line !== undefined && end < wanted) {
    notes.push(`at most ${VIEW_FILE_MAX_LINES_V1} lines per call; continue with start_line=${end + 1}`);
  } else if (end < total) {
    notes.push(`${total - end} more lines; continue with start_line=${end + 1}`);
  }
  return toolSuccess(`${path.relative}: lines ${start}-${end} of ${total}\n${body}`, notes);
}

/**
 * Files git sees in the worktree, `/`-separated and sorted: tracked and untracked, .gitignore (and
 * the other standard excludes) honoured, tracked files deleted from the worktree left out.
 */
export async function listWorktreeFiles(realRoot: string, limits: ToolLimits): Promise<string[]> {
  const git = new Git(realRoot, { timeoutMs: limits.gitTimeoutMs });
  // -t tags each entry, so one call tells tracked (H), untracked (?) and deleted (R) apart.
  const out = await git.raw(['ls-files', '-z', '-t', '-c', '-o', '-d', '--exclude-standard']);
  const present = new Set<string>();
  const deleted = new Set<string>();
  for (const entry of out.split('\0')) {
    if (entry.length < 3) continue;
    const tag = entry[0];
    const file = entry.slice(2);
    // An untracked nested repository is listed as its directory, with a trailing '/'.
    if (file.endsWith('/')) continue;
    if (tag === 'R') deleted.add(file);
    else present.add(file);
  }
  return [...present].filter((f) => !deleted.has(f)).sort();
}

/** The files below a checked directory (or the file itself); `.` is the whole worktree. */
function within(files: readonly string[], base: WorktreePath): string[] {
  if (base.relative === '.') return [...files];
  const prefix = `${base.relative}/`;
  return files.filter((f) => f === base.relative || f.startsWith(prefix));
}

export async function listFiles(
  realRoot: string,
  args: ListFilesArgsV1,
  limits: ToolLimits,
): Promise<ToolResult> {
  const base = await resolveWorktreePath(realRoot, args.path ?? '.', { allowRoot: true });
  if (!base.exists) throw new ToolRefusedError(`${base.relative} does not exist`);
  const files = within(await listWorktreeFiles(realRoot, limits), base);
  const where = base.relative === '.' ? 'the worktree' : base.relative;
  if (files.length === 0)
    return toolSuccess(`no files under ${where} (files ignored by .gitignore are left out)`);
  const strip = base.relative === '.' ? 0 : base.relative.length + 1;
  const entries: string[] = [];
  const folded = new Map<string, number>();
  for (const file of files) {
    const segments = file.slice(strip).split('/');
    if (args.max_depth === undefined || segments.length <= args.max_depth) {
      entries.push(file);
      continue;
    }
    const dir = file.slice(0, strip) + segments.slice(0, args.max_depth).join('/') + '/';
    if (!folded.has(dir)) entries.push(dir);
    folded.set(dir, (folded.get(dir) ?? 0) + 1);
  }
  const shown = entries.slice(0, limits.listMaxEntries).map((e) => {
    const count = folded.get(e);
    return count === undefined ? e : `${e} (${count} file${count === 1 ? '' : 's'})`;
  });
  const header = `${files.length} file${files.length === 1 ? '' : 's'} under ${where} (files ignored by .gitignore are left out)`;
  const notes =
    entries.length > shown.length
      ? [`${entries.length - shown.length} more entries not shown; narrow path or set max_depth`]
      : [];
  return toolSuccess(`${header}\n${shown.join('\n')}`, notes);
}

// Runs in its own V8 context so a pathological pattern can be stopped by the timeout.
const MATCH = new Script(`
(() => {
  const re = new RegExp(pattern);
  const hits = [];
  let total = 0;
  for (let f = 0; f < texts.length; f++) {
    const lines = texts[f].split('\\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].endsWith('\\r') ? lines[i].slice(0, -1) : lines[i];
      if (re.test(line)) {
        total++;
        if (hits.length < max) hits.push([f, i + 1, line]);
      }
    }
  }
  return { total, hits };
})()
`);

/** Texts handed to one run of the matcher: bounds memory, and lets the time budget be checked between runs. */
const BATCH_BYTES = 16 * 1024 * 1024;
/** Files read at once: enough to keep libuv's thread pool busy, few enough to bound memory. */
const READ_AHEAD = 32;

export async function search(realRoot: string, args: SearchArgsV1, limits: ToolLimits): Promise<ToolResult> {
  try {
    new RegExp(args.pattern);
  } catch (err) {
    throw new ToolRefusedError(`pattern is not a valid regular expression: ${(err as Error).message}`);
  }
  const base = await resolveWorktreePath(realRoot, args.path ?? '.', { allowRoot: true });
  if (!base.exists) throw new ToolRefusedError(`${base.relative} does not exist`);
  const glob = args.glob;
  const matchesGlob = (file: string): boolean =>
    glob === undefined || minimatch(file, glob, { dot: true, matchBase: !glob.includes('/') });
  const files = within(await listWorktreeFiles(realRoot, limits), base).filter(matchesGlob);

  const context = createContext({ pattern: args.pattern, texts: [] as string[], max: 0 });
  const deadline = performance.now() + limits.searchTimeoutMs;
  const results: string[] = [];
  const filesWithHits = new Set<string>();
  let total = 0;
  let skippedLarge = 0;
  let batch: { file: string; text: string }[] = [];
  let batchBytes = 0;

  const runBatch = (): void => {
    if (batch.length === 0) return;
    const remaining = Math.max(1, Math.floor(deadline - performance.now()));
    context['texts'] = batch.map((b) => b.text);
    context['max'] = limits.searchMaxResults - results.length;
    let found: { total: number; hits: [number, number, string][] };
    try {
      found = MATCH.runInContext(context, { timeout: remaining }) as typeof found;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new ToolRefusedError(
          `the search took longer than ${limits.searchTimeoutMs} ms and was stopped; use a simpler pattern or narrow path/glob`,
        );
      }
      throw err;
    }
    total += found.total;
    for (const [f, line, text] of found.hits) {
      const file = batch[f]?.file ?? '?';
      filesWithHits.add(file);
      results.push(`${file}:${line}: ${cut(text, limits.searchMaxLineChars)}`);
    }
    batch = [];
    batchBytes = 0;
  };

  const load = async (file: string): Promise<{ file: string; bytes?: Buffer; large?: true }> => {
    // Symlinks and hard-linked files are skipped: reading through them could reach outside the worktree.
    const info = await lstat(`${realRoot}/${file}`).catch(() => undefined);
    if (!info?.isFile() || info.nlink > 1) return { file };
    if (info.size > limits.searchMaxFileBytes) return { file, large: true };
    const bytes = await readFile(`${realRoot}/${file}`).catch(() => undefined);
    return bytes ? { file, bytes } : { file };
  };
  for (let at = 0; at < files.length; at += READ_AHEAD) {
    for (const { file, bytes, large } of await Promise.all(files.slice(at, at + READ_AHEAD).map(load))) {
      if (large) skippedLarge += 1;
      if (!bytes || bytes.subarray(0, 8192).includes(0)) continue; // gone, skipped or binary
      batch.push({ file, text: bytes.toString('utf8') });
      batchBytes += bytes.length;
      if (batchBytes >= BATCH_BYTES) runBatch();
    }
  }
  runBatch();

  const notes =
    skippedLarge > 0
      ? [`${skippedLarge} files over ${limits.searchMaxFileBytes} bytes were not searched`]
      : [];
  if (total === 0) return toolSuccess(`no matches for /${args.pattern}/ in ${files.length} files`, notes);
  const summary =
    total > results.length
      ? `${total} matches; showing the first ${results.length} (narrow path, glob or pattern for the rest)`
      : `${total} match${total === 1 ? '' : 'es'} in ${filesWithHits.size} file${filesWithHits.size === 1 ? '' : 's'}`;
  return toolSuccess(`${results.join('\n')}\n${summary}`, notes);
}
