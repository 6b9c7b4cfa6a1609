/**
 * File paths mentioned in a section: backticked (`src/auth/login.ts`, `package.json`) or bare in
 * prose (src/auth/, docs/setup.md). Bare text is full of slashes that are not paths ("and/or",
 * "CI/CD", "client/server"), so a bare token must also carry a known extension, end with `/`, or
 * start at a usual root directory.
 */

const EXTENSIONS = new Set([
  'ts',
  'tsx',
  'mts',
  'cts',
  'js',
  'jsx',
  'mjs',
  'cjs',
  'json',
  'jsonc',
  'md',
  'mdx',
  'rst',
  'txt',
  'yml',
  'yaml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'env',
  'lock',
  'py',
  'pyi',
  'ipynb',
  'go',
  'mod',
  'sum',
  'rs',
  'java',
  'kt',
  'kts',
  'scala',
  'groovy',
  'gradle',
  'xml',
  'rb',
  'php',
  'cs',
  'fs',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'swift',
  'm',
  'sh',
  'bash',
  'zsh',
  'ps1',
  'sql',
  'prisma',
  'graphql',
  'gql',
  'proto',
  'css',
  'scss',
  'sass',
  'less',
  'html',
  'htm',
  'vue',
  'svelte',
  'astro',
  'csv',
  'tsv',
  'svg',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'ico',
  'pdf',
  'tf',
  'tfvars',
  'hcl',
  'dockerfile',
  'properties',
  'lua',
  'dart',
  'ex',
  'exs',
  'erl',
  'clj',
  'hs',
  'ml',
  'r',
  'jl',
  'pem',
  'key',
  'crt',
  'snap',
  'map',
  'wasm',
  'db',
  'sqlite',
]);

const ROOTS = new Set([
  'src',
  'lib',
  'test',
  'tests',
  '__tests__',
  'spec',
  'packages',
  'services',
  'apps',
  'app',
  'docs',
  'doc',
  'scripts',
  'contracts',
  'cmd',
  'internal',
  'pkg',
  'bin',
  'config',
  'configs',
  'deploy',
  'infra',
  'migrations',
  'public',
  'assets',
  'static',
  'tools',
  'examples',
  'e2e',
  'fixtures',
  'crates',
  'modules',
  '.github',
  '.vscode',
]);

/** Framework names that look like files: "Node.js" is not a file in the repository. */
const NOT_FILES =
  /^(node|next|nuxt|vue|express|react|angular|ember|backbone|d3|three|chart|socket\.io|nest|deno|bun|p5|moment|day)\.js$/i;

export type PathContext = 'backticked' | 'bare' | 'listed';

/**
 * The path a token names, normalised (no `./`, no trailing punctuation, no `:line`), or undefined.
 * `listed` is a token inside a "Files:" list, where a plain file name is enough.
 */
export function pathIn(token: string, context: PathContext): string | undefined {
  let t = token.trim();
  if (context !== 'backticked') t = t.replace(/^[("'[<]+/, '').replace(/[)"'\]>.,:;!?]+$/, '');
  t = t.replace(/:\d+(?::\d+)?$/, '');
  if (t.length < 2 || t.length > 1024) return undefined;
  if (
    /\s/.test(t) ||
    t.includes('://') ||
    t.startsWith('@') ||
    t.includes('@') ||
    /[(){}=<>|$^!,;"']/.test(t)
  ) {
    return undefined;
  }
  if (t.startsWith('/') || t.startsWith('~') || /^[A-Za-z]:\\/.test(t)) return undefined; // not repo-relative
  if (t.split('/').includes('..')) return undefined;
  t = t.replace(/^(\.\/)+/, '');
  if (t === '' || t === '.' || /^\/+$/.test(t)) return undefined;

  const segments = t.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1] ?? '';
  const dot = last.lastIndexOf('.');
  const extension = dot >= 0 ? last.slice(dot + 1).toLowerCase() : '';
  const hasKnownExtension = EXTENSIONS.has(extension) || (dot === 0 && last.length > 1); // .env, .gitignore
  const isDirectory = t.endsWith('/');
  const hasSlash = segments.length > 1 || isDirectory;

  if (NOT_FILES.test(t)) return undefined;
  if (/^v?\d+(\.\d+)+$/.test(last)) return undefined; // a version, not a file
  if (context === 'bare') {
    const rooted = ROOTS.has((segments[0] ?? '').toLowerCase());
    if (hasSlash ? !(hasKnownExtension || isDirectory || rooted) : !hasKnownExtension) return undefined;
    if (hasSlash && segments.some((s) => !/^[\w.*-]+$/.test(s))) return undefined;
  } else if (
    !hasSlash &&
    !hasKnownExtension &&
    !/^(Dockerfile|Makefile|Procfile|Gemfile|Rakefile|LICENSE)$/.test(t)
  ) {
    return undefined;
  }
  return t;
}

/** A scope glob for a path: a directory covers everything below it. */
export function scopeGlobFor(path: string): string {
  return path.endsWith('/') ? `${path}**` : path;
}
