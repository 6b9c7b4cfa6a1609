/**
 * Path globs as policies write them, matched against worktree-relative `/`-separated paths:
 * `*` any characters within one segment (dot files included: a protection that missed `.env.local`
 * would be worse than one that matches too much), `?` one character within a segment, `**` as a
 * whole segment zero or more segments (so `.git/**` also matches `.git` itself and `**` + `/x`
 * matches `x` at the root). No braces, classes or negation: `validateGlob` refuses them rather than
 * matching them literally. Written here because the planner's matcher is not a package export and
 * domain/ stays dependency-free.
 */

const UNSUPPORTED = /[[\]{}!\\\0\n\r]/;

/** Why `glob` is not a usable policy glob, or undefined when it is. */
export function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'is empty';
  if (glob.length > 1024) return 'is longer than 1024 characters';
  if (UNSUPPORTED.test(glob))
    return 'uses [], {}, !, a backslash or a control character, which are not supported';
  if (glob.startsWith('/')) return 'is absolute; globs are relative to the worktree root';
  const segments = glob.split('/');
  if (segments.some((s) => s === '')) return 'has an empty segment (// or a trailing /)';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a . or .. segment';
  if (segments.some((s) => s.includes('**') && s !== '**')) return '** must be a whole segment';
  if (segments.filter((s) => s === '**').length > 4) return 'has more than four ** segments';
  return undefined;
}

const segmentCache = new Map<string, RegExp>();

function segmentRegExp(segment: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}:${segment}`;
  const cached = segmentCache.get(key);
  if (cached) return cached;
  let source = '';
  for (const c of segment) {
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
  segmentCache.set(key, regex);
  return regex;
}

function matchFrom(
  glob: readonly string[],
  gi: number,
  path: readonly string[],
  pi: number,
  ci: boolean,
): boolean {
  if (gi === glob.length) return pi === path.length;
  const g = glob[gi]!;
  if (g === '**') {
    for (let k = pi; k <= path.length; k++) if (matchFrom(glob, gi + 1, path, k, ci)) return true;
    return false;
  }
  return (
    pi < path.length && segmentRegExp(g, ci).test(path[pi]!) && matchFrom(glob, gi + 1, path, pi + 1, ci)
  );
}

export interface GlobOptions {
  /** Match letters regardless of case, as a case-insensitive file system would resolve them. */
  readonly caseInsensitive?: boolean;
}

/** True when the normalised relative `path` matches `glob`. */
export function matchesGlob(path: string, glob: string, options: GlobOptions = {}): boolean {
  return matchFrom(glob.split('/'), 0, path.split('/'), 0, options.caseInsensitive ?? false);
}

/** The first of `globs` that `path` matches, or undefined. */
export function firstMatchingGlob(
  path: string,
  globs: readonly string[],
  options: GlobOptions = {},
): string | undefined {
  return globs.find((glob) => matchesGlob(path, glob, options));
}
