/**
 * Matches a directory against workspace globs the way npm, pnpm, yarn and Cargo write them
 * (`packages/*`, `apps/**`, `crates/foo-*`): `*` is one segment, `**` any number, `!` excludes.
 */
export function matchesWorkspaceGlobs(relativeDir: string, globs: readonly string[]): boolean {
  const segments = relativeDir.split('/');
  let included = false;
  for (const raw of globs) {
    const negated = raw.startsWith('!');
    const glob = normalise(negated ? raw.slice(1) : raw);
    if (glob === '' || !matchSegments(segments, 0, glob.split('/'), 0)) continue;
    if (negated) return false;
    included = true;
  }
  return included;
}

function normalise(glob: string): string {
  return glob
    .trim()
    .replace(/^\.\//, '')
    .replace(/\/+$/, '')
    .replace(/\/package\.json$/, '');
}

function matchSegments(path: readonly string[], i: number, glob: readonly string[], j: number): boolean {
  if (j === glob.length) return i === path.length;
  const g = glob[j];
  if (g === '**') {
    // Globs are a few segments long, so trying every split stays small.
    for (let k = i; k <= path.length; k++) if (matchSegments(path, k, glob, j + 1)) return true;
    return false;
  }
  const p = path[i];
  if (p === undefined || g === undefined || !segmentPattern(g).test(p)) return false;
  return matchSegments(path, i + 1, glob, j + 1);
}

function segmentPattern(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}
