/**
 * Path globs as the policy lists write them: `*` matches within one path segment (dots included),
 * `**` matches any number of whole segments (a leading `**` then slash matches at the root too; a
 * trailing slash then `**` matches everything below), `?` one character. Paths are
 * repository-relative and `/`-separated. Written here, not taken from a library, because domain/
 * stays dependency-free and the rules are this small.
 */

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const slashAfter = glob[i + 2] === '/';
      if (atStart && slashAfter) {
        source += '(?:.*/)?'; // `**/`: zero or more leading segments
        i += 2;
      } else if (atStart && i + 2 === glob.length) {
        source += '.*'; // trailing `/**`: everything below
        i += 1;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`);
  cache.set(glob, regex);
  return regex;
}

/** The first glob of `globs` that `path` matches, or undefined. A path ending in `/` is a directory. */
export function firstMatchingGlob(path: string, globs: readonly string[]): string | undefined {
  const probe = path.endsWith('/') ? `${path}x` : path;
  return globs.find((glob) => globToRegExp(glob).test(probe) || globToRegExp(glob).test(path));
}
