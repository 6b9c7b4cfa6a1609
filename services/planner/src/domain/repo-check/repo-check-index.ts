import type { RepoCheckNoteKind } from '@autopilot/contracts';
import { folderOf, type RepoView } from './repo-view';

/** One thing checking a task against the repository found (`TaskSpec.repoCheck.notes`). */
export interface RepoCheckNote {
  readonly kind: RepoCheckNoteKind;
  readonly subject: string;
  readonly reason: string;
}

/** A repository view indexed once for the checks of every task of a plan. */
export interface RepoCheckIndex {
  readonly view: RepoView;
  readonly files: ReadonlySet<string>;
  /** Every folder that holds a listed file, at any depth, without a trailing slash. */
  readonly folders: ReadonlySet<string>;
  /** True when `files` is every file of the repository: a path not in it does not exist. */
  readonly complete: boolean;
  /** Root entries: folders without their trailing slash, and files (always complete). */
  readonly rootFolders: ReadonlySet<string>;
  readonly rootFiles: ReadonlySet<string>;
  /** The commit, short, for reasons a person reads. */
  readonly at: string;
}

export function indexRepoView(view: RepoView): RepoCheckIndex {
  const folders = new Set<string>();
  for (const file of view.files) {
    for (let dir = folderOf(file); dir !== '' && !folders.has(dir); dir = folderOf(dir)) folders.add(dir);
  }
  const rootFolders = new Set<string>();
  const rootFiles = new Set<string>();
  for (const entry of view.topLevel) {
    if (entry.endsWith('/')) rootFolders.add(entry.slice(0, -1));
    else rootFiles.add(entry);
  }
  return {
    view,
    files: new Set(view.files),
    folders,
    complete: view.files.length >= view.fileCount,
    rootFolders,
    rootFiles,
    at: view.commit.slice(0, 12),
  };
}

/** Whether the repository has this file or folder (a trailing slash is ignored). */
export function hasPath(index: RepoCheckIndex, path: string): boolean {
  const clean = path.replace(/\/+$/, '');
  if (clean === '' || clean === '.') return true;
  if (!clean.includes('/')) return index.rootFiles.has(clean) || index.rootFolders.has(clean);
  return index.files.has(clean) || index.folders.has(clean);
}

/**
 * Whether a path not found may still exist: the scan listed only some files (the shallowest), and
 * the root entry it is under does exist.
 */
export function mayBeUnlisted(index: RepoCheckIndex, path: string): boolean {
  if (index.complete) return false;
  const top = path.split('/')[0]!;
  return index.rootFolders.has(top);
}
