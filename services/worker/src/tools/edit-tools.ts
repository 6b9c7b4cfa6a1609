import type { CreateFileArgsV1, InsertArgsV1, StrReplaceArgsV1 } from '@autopilot/contracts';
import { countOccurrences, readTextFile, splitLines } from './text-file';
import type { FileChange } from './file-changes';
import { ToolRefusedError } from './tool-result';
import { resolveWorktreePath } from './worktree-paths';

/**
 * The edits that compute a single file's new contents: create_file, str_replace, insert. Each
 * returns the change without writing it; `prepareWrite` checks its syntax and `apply` writes it.
 */

export async function createFileChange(realRoot: string, args: CreateFileArgsV1): Promise<FileChange> {
  const path = await resolveWorktreePath(realRoot, args.path);
  if (path.exists) {
    throw new ToolRefusedError(
      `${path.relative} already exists; change it with str_replace, insert or apply_patch instead`,
    );
  }
  return { path: path.relative, before: null, after: args.content };
}

export async function strReplaceChange(
  realRoot: string,
  args: StrReplaceArgsV1,
  maxBytes: number,
): Promise<FileChange> {
  const path = await resolveWorktreePath(realRoot, args.path);
  const before = await readTextFile(path, maxBytes);
  const count = countOccurrences(before, args.old_str);
  if (count === 0) {
    throw new ToolRefusedError(
      `old_str does not occur in ${path.relative}; it must match exactly, whitespace and indentation included (view the lines first)`,
    );
  }
  if (count > 1) {
    throw new ToolRefusedError(
      `old_str occurs ${count} times in ${path.relative}; it must occur exactly once (include more surrounding lines)`,
    );
  }
  const at = before.indexOf(args.old_str);
  // Sliced, not String.replace: `$&` or `$1` in new_str must stay literal.
  const after = before.slice(0, at) + args.new_str + before.slice(at + args.old_str.length);
  return { path: path.relative, before, after };
}

export async function insertChange(
  realRoot: string,
  args: InsertArgsV1,
  maxBytes: number,
): Promise<FileChange> {
  const path = await resolveWorktreePath(realRoot, args.path);
  const before = await readTextFile(path, maxBytes);
  const total = splitLines(before).length;
  if (args.line > total) {
    throw new ToolRefusedError(`line ${args.line} is past the end: ${path.relative} has ${total} lines`);
  }
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  let text = eol === '\r\n' ? args.text.replace(/\r?\n/g, '\r\n') : args.text;
  if (!text.endsWith('\n')) text += eol;
  // The offset just after line `args.line` (its terminator included).
  let offset = 0;
  for (let n = 0; n < args.line; n += 1) {
    const next = before.indexOf('\n', offset);
    offset = next === -1 ? before.length : next + 1;
  }
  const missingEol = offset === before.length && before.length > 0 && !before.endsWith('\n');
  const after = before.slice(0, offset) + (missingEol ? eol : '') + text + before.slice(offset);
  return { path: path.relative, before, after };
}
