import { readFile, stat } from 'node:fs/promises';
import { ToolRefusedError } from './tool-result';
import type { WorktreePath } from './worktree-paths';

/**
 * Reads a file as UTF-8 text for a tool, or refuses with a reason the model can act on: missing,
 * a directory, too big, binary (a NUL byte), or not valid UTF-8 (an edit would corrupt it).
 */
export async function readTextFile(path: WorktreePath, maxBytes: number): Promise<string> {
  if (!path.exists) throw new ToolRefusedError(`${path.relative} does not exist`);
  const info = await stat(path.absolute);
  if (info.isDirectory()) throw new ToolRefusedError(`${path.relative} is a directory; use list_files`);
  if (!info.isFile()) throw new ToolRefusedError(`${path.relative} is not a regular file`);
  if (info.size > maxBytes) {
    throw new ToolRefusedError(
      `${path.relative} is ${info.size} bytes, over the ${maxBytes}-byte limit of this tool`,
    );
  }
  const bytes = await readFile(path.absolute);
  if (bytes.includes(0)) throw new ToolRefusedError(`${path.relative} is a binary file`);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes))
    throw new ToolRefusedError(`${path.relative} is not UTF-8 text`);
  return text;
}

/** The lines of a text, without their terminators; a final newline does not start another line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** How many times `needle` occurs in `text`, occurrences not overlapping. */
export function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count += 1;
  return count;
}
