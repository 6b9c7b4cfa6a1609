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

/**
 * A file named without a folder is scope only when it is one every project knows by name
 * (`package.json`, `Dockerfile`, `vite.config.ts`) or a multi-word file name (`user-store.ts`): a
 * word with a dot is far more often a library (`nats.js`) or a field (`token.map`) (issue 17 item 3).
 */
const KNOWN_ROOT_FILE =
  /^(package(-lock)?\.json|tsconfig([.-][\w-]+)?\.json|jsconfig\.json|[\w-]+\.config\.(js|cjs|mjs|ts|cts|mts|json)|\.eslintrc(\.\w+)?|\.prettierrc(\.\w+)?|(readme|changelog|contributing|license|security|roadmap)(\.\w+)?|docker-compose\.ya?ml|compose\.ya?ml|go\.(mod|sum)|cargo\.(toml|lock)|pyproject\.toml|setup\.(py|cfg)|requirements[\w.-]*\.txt|pnpm-(workspace|lock)\.yaml|yarn\.lock|\.gitignore|\.npmrc|\.nvmrc|\.env[\w.-]*|\.editorconfig|\.github|\.gitlab-ci\.yml)$/i;
const MULTI_WORD_FILE = /^[a-z0-9]+([-_][a-z0-9]+)+\.[a-z0-9]+$/i;
/** Data and config files are rarely a library's name: `flags.json`, `schema.sql`, `ci.yml`. */
const DATA_FILE =
  /\.(json|jsonc|ya?ml|toml|md|mdx|sql|ini|cfg|conf|txt|csv|tsv|xml|graphql|gql|proto|prisma|sh|ps1|tf|tfvars|lock)$/i;
/** Folder-like words of a category list ("docs/backend/frontend/tests/database"), not a path. */
const CATEGORY_WORDS = new Set([
  'docs',
  'doc',
  'backend',
  'frontend',
  'tests',
  'test',
  'database',
  'db',
  'api',
  'ui',
  'web',
  'mobile',
  'infra',
  'ops',
  'design',
  'server',
  'client',
  'cli',
]);

export type PathContext = 'backticked' | 'bare' | 'listed';

// The shapes `pathIn` tests, made once: it reads tens of thousands of words per blueprint.
const OPENING_MARKS = /^[("'[<]+/;
const CLOSING_MARKS = /[)"'\]>.,:;!?]+$/;
const LINE_NUMBER_SUFFIX = /:\d+(?::\d+)?$/; // `src/a.ts:12:3`
const WHITESPACE = /\s/;
const NEVER_IN_PATHS = /[(){}=<>|$^!,;"']/;
const WINDOWS_DRIVE = /^[A-Za-z]:\\/;
const LEADING_DOT_SLASHES = /^(\.\/)+/;
const ONLY_SLASHES = /^\/+$/;
const VERSION = /^v?\d+(\.\d+)+$/;
const PLAIN_SEGMENT = /^[\w.*-]+$/;
const EXTENSIONLESS_FILE = /^(Dockerfile|Makefile|Procfile|Gemfile|Rakefile|LICENSE)$/;

/**
 * The path a token names, normalised (no `./`, no trailing punctuation, no `:line`), or undefined.
 * `listed` is a token inside a "Files:" list, where a plain file name is enough.
 */
export function pathIn(token: string, context: PathContext): string | undefined {
  // Most prose words: in bare text a path needs a slash or a known extension (see the end of this
  // function), and the clean-up below only removes characters, so a token with neither is never one.
  if (context === 'bare' && !token.includes('/') && !token.includes('.')) return undefined;
  let t = token.trim();
  if (context !== 'backticked') t = t.replace(OPENING_MARKS, '').replace(CLOSING_MARKS, '');
  t = t.replace(LINE_NUMBER_SUFFIX, '');
  if (t.length < 2 || t.length > 1024) return undefined;
  if (
    WHITESPACE.test(t) ||
    t.includes('://') ||
    t.startsWith('@') ||
    t.includes('@') ||
    NEVER_IN_PATHS.test(t)
  ) {
    return undefined;
  }
  if (t.startsWith('/') || t.startsWith('~') || WINDOWS_DRIVE.test(t)) return undefined; // not repo-relative
  if (t.includes('..') && t.split('/').includes('..')) return undefined;
  t = t.replace(LEADING_DOT_SLASHES, '');
  if (t === '' || t === '.' || ONLY_SLASHES.test(t)) return undefined;

  const segments = t.includes('/') ? t.split('/').filter((s) => s !== '') : [t];
  const last = segments[segments.length - 1] ?? '';
  const dot = last.lastIndexOf('.');
  const extension = dot >= 0 ? last.slice(dot + 1).toLowerCase() : '';
  const hasKnownExtension = EXTENSIONS.has(extension) || (dot === 0 && last.length > 1); // .env, .gitignore
  const isDirectory = t.endsWith('/');
  const hasSlash = segments.length > 1 || isDirectory;

  if (NOT_FILES.test(t)) return undefined;
  if (VERSION.test(last)) return undefined; // a version, not a file
  const rootedAt = ROOTS.has((segments[0] ?? '').toLowerCase());
  if (
    context !== 'listed' &&
    !hasSlash &&
    !KNOWN_ROOT_FILE.test(t) &&
    !MULTI_WORD_FILE.test(t) &&
    !DATA_FILE.test(t)
  )
    return undefined;
  if (hasSlash && !hasKnownExtension && !isDirectory && !t.includes('*')) {
    // `import/no-cycle` is a lint rule and `docs/backend/frontend` a list of areas, not folders.
    if (context === 'backticked' && !rootedAt) return undefined;
    if (segments.filter((x) => CATEGORY_WORDS.has(x.toLowerCase())).length >= 2) return undefined;
  }
  if (context === 'bare') {
    if (hasSlash ? !(hasKnownExtension || isDirectory || rootedAt) : !hasKnownExtension) return undefined;
    if (hasSlash && segments.some((s) => !PLAIN_SEGMENT.test(s))) return undefined;
  } else if (!hasSlash && !hasKnownExtension && !EXTENSIONLESS_FILE.test(t)) {
    return undefined;
  }
  return t;
}

/** A scope glob for a path: a directory covers everything below it. */
export function scopeGlobFor(path: string): string {
  return path.endsWith('/') ? `${path}**` : path;
}
