/**
 * Glob matching for worktree-relative paths (`/`-separated): `**` spans directories, `*` and `?`
 * stay inside one segment, `{a,b}` picks one. A pattern without wildcards names a file or a whole
 * directory (`src/lib` matches `src/lib/a.ts`), as task scopes are written.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  let out = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*') {
      if (g[i + 1] === '*') {
        const slashAfter = g[i + 2] === '/';
        out += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      const end = g.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${g
          .slice(i + 1, end)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      }
    } else out += c.replace(/[.+^$()|[\]\\}]/g, '\\$&');
  }
  const wild = /[*?{]/.test(g);
  return new RegExp(wild ? `^${out}$` : `^${out}(?:/.*)?$`);
}

/** Whether `path` matches any of `globs`. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  const p = path.replace(/^\.\//, '');
  return globs.some((g) => globToRegExp(g).test(p));
}
