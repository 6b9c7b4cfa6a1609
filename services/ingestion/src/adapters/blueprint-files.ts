import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, normalize, sep } from 'node:path';
import { BlueprintRejectedError, RejectionReason } from '../domain/blueprint/blueprint-rejected-error';
import {
  checkBlueprintText,
  decodeBlueprintBytes,
  DEFAULT_MAX_BLUEPRINT_BYTES,
  looksBinary,
  normalizeBlueprintText,
  type BlueprintLimits,
} from '../domain/blueprint/blueprint-source';
import type { SourceFile } from '../domain/blueprint/text-position';

/** A blueprint read from disk, ready to submit (`cmd.ingestion.submit_blueprint`). */
export interface BlueprintSource {
  /** Normalized text; for a directory, the files joined in path order, each ending with a newline. */
  text: string;
  /** For a directory: each file's path (relative, `/`-separated) and start offset in `text`. */
  files?: SourceFile[];
  /** The path as given, normalized with `/` separators: the blueprint's stable name in its project. */
  name: string;
  /** The file name without its extension, or the directory's name. */
  title: string;
  sourcePath: string;
}

const TEXT_EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

/**
 * Reads a blueprint file, or a directory of `.md` / `.markdown` / `.txt` files (recursive, in path
 * order, skipping dot files and folders, `node_modules`, symbolic links and binary files), and checks
 * it as the service will (everything but headings-only, which needs the parse). Throws
 * BlueprintRejectedError naming the file: TOO_LARGE (before reading), BINARY, INVALID_UTF8, EMPTY,
 * TOO_DEEP, NO_TEXT_FILES.
 */
export async function readBlueprintSource(
  path: string,
  limits: BlueprintLimits = {},
): Promise<BlueprintSource> {
  const shown = normalize(path).split(sep).join('/');
  const info = await stat(path);
  return info.isDirectory()
    ? readDirectory(path, shown, limits)
    : readSingleFile(path, shown, info.size, limits);
}

async function readSingleFile(
  path: string,
  shown: string,
  size: number,
  limits: BlueprintLimits,
): Promise<BlueprintSource> {
  checkSize(size, shown, limits);
  const text = normalizeBlueprintText(decodeBlueprintBytes(await readFile(path), shown, limits));
  checkBlueprintText(text, { label: shown }, limits);
  return { text, name: shown, title: titleOf(basename(path, extname(path))), sourcePath: shown };
}

async function readDirectory(root: string, shown: string, limits: BlueprintLimits): Promise<BlueprintSource> {
  const paths = (await listTextFiles(root)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (paths.length === 0) {
    throw new BlueprintRejectedError(
      RejectionReason.NO_TEXT_FILES,
      'no .md, .markdown or .txt files in this directory (dot folders and node_modules are skipped)',
      { file: shown },
    );
  }
  const sizes = await Promise.all(paths.map(async (p) => (await stat(join(root, p))).size));
  checkSize(
    sizes.reduce((a, b) => a + b, 0),
    shown,
    limits,
  );
  const parts: string[] = [];
  const files: SourceFile[] = [];
  let offset = 0;
  for (const rel of paths) {
    const bytes = await readFile(join(root, rel));
    if (looksBinary(bytes)) continue;
    let text = normalizeBlueprintText(decodeBlueprintBytes(bytes, `${shown}/${rel}`, limits));
    if (text.trim().length === 0) continue;
    if (!text.endsWith('\n')) text += '\n';
    files.push({ path: rel, start: offset });
    parts.push(text);
    offset += text.length;
  }
  if (files.length === 0) {
    throw new BlueprintRejectedError(
      RejectionReason.NO_TEXT_FILES,
      `its ${paths.length} text file${paths.length === 1 ? ' is' : 's are'} empty or binary`,
      { file: shown },
    );
  }
  const text = parts.join('');
  checkBlueprintText(
    text,
    { files: files.map((f) => ({ ...f, path: `${shown}/${f.path}` })), label: shown },
    limits,
  );
  return { text, files, name: shown, title: titleOf(basename(normalize(root))), sourcePath: shown };
}

/** Relative `/`-separated paths of the text files under `root`. */
async function listTextFiles(root: string, under = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, under), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const rel = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await listTextFiles(root, rel)));
    else if (entry.isFile() && TEXT_EXTENSIONS.has(extname(entry.name).toLowerCase())) found.push(rel);
  }
  return found;
}

/** Refuses before reading: a 2 GB file is never loaded to find out it is too large. */
function checkSize(size: number, shown: string, limits: BlueprintLimits): void {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BLUEPRINT_BYTES;
  if (size > maxBytes) {
    throw new BlueprintRejectedError(
      RejectionReason.TOO_LARGE,
      `${size} bytes is over the ${maxBytes}-byte limit`,
      {
        file: shown,
      },
    );
  }
}

/** The contract's title is at most 300 characters and never empty. */
const titleOf = (name: string): string => (name.trim() || 'blueprint').slice(0, 300);
