/**
 * Where a path lands relative to the run's worktree (DESIGN.md section 6: writes only inside it).
 * Pure string work: the app resolves real paths (symlinks) on disk and passes them in, because
 * domain/ reads no file system; a link that resolves outside is refused like `../`.
 */

export type WorktreePath =
  { readonly inside: true; readonly path: string } | { readonly inside: false; readonly problem: string };

/** `/a/b/` → `/a/b`; the root stays `/`. */
function trimRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/**
 * Normalises `raw` (relative to the worktree, or absolute) to a worktree-relative path, or says
 * why it is not inside: `..` anywhere (even `a/../b`: refused, not resolved, so no reading of
 * intent), absolute paths outside `worktreeRoot`, `~`, backslashes, drive letters, control
 * characters, and the worktree root itself.
 */
export function worktreePath(raw: string, worktreeRoot: string): WorktreePath {
  if (raw.length === 0) return { inside: false, problem: 'an empty path' };
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20))
    return { inside: false, problem: `${JSON.stringify(raw)} has a control character` };
  if (raw.includes('\\')) return { inside: false, problem: `${raw} has a backslash` };
  if (/^[A-Za-z]:/.test(raw)) return { inside: false, problem: `${raw} has a drive letter` };
  if (raw.startsWith('~')) return { inside: false, problem: `${raw} names a home directory` };
  let relative = raw;
  if (raw.startsWith('/')) {
    const root = trimRoot(worktreeRoot);
    if (root === '/' || !(raw === root || raw.startsWith(`${root}/`))) {
      return { inside: false, problem: `${raw} is an absolute path outside the worktree` };
    }
    relative = raw.slice(root.length);
  }
  const segments = relative.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { inside: false, problem: `${raw} climbs with ..` };
  if (segments.length === 0) return { inside: false, problem: `${raw} is the worktree root itself` };
  return { inside: true, path: segments.join('/') };
}

/** True when an argument looks like a file system path: absolute, home-relative or with a `..` segment. */
export function looksLikePath(arg: string): boolean {
  return arg.startsWith('/') || arg.startsWith('~') || arg.split('/').includes('..');
}
