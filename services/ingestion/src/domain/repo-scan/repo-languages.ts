import type { RepoFile } from '@autopilot/contracts';
import { baseName, isForeignPath } from './repo-snapshot';

/**
 * Languages by file extension (lower case, without the dot). Files with other extensions are not
 * counted. Kept as a table, related extensions on one line.
 */
// prettier-ignore
const BY_EXTENSION: Readonly<Record<string, string>> = {
  ts: 'TypeScript', tsx: 'TypeScript', mts: 'TypeScript', cts: 'TypeScript',
  js: 'JavaScript', jsx: 'JavaScript', mjs: 'JavaScript', cjs: 'JavaScript',
  py: 'Python', pyi: 'Python',
  go: 'Go',
  rs: 'Rust',
  java: 'Java',
  kt: 'Kotlin', kts: 'Kotlin',
  scala: 'Scala',
  groovy: 'Groovy', gradle: 'Groovy',
  rb: 'Ruby',
  php: 'PHP',
  c: 'C', h: 'C',
  cc: 'C++', cpp: 'C++', cxx: 'C++', hpp: 'C++', hh: 'C++', hxx: 'C++',
  cs: 'C#',
  swift: 'Swift',
  m: 'Objective-C', mm: 'Objective-C',
  dart: 'Dart',
  ex: 'Elixir', exs: 'Elixir',
  erl: 'Erlang',
  hs: 'Haskell',
  clj: 'Clojure', cljs: 'Clojure',
  lua: 'Lua',
  r: 'R',
  jl: 'Julia',
  zig: 'Zig',
  vue: 'Vue',
  svelte: 'Svelte',
  sh: 'Shell', bash: 'Shell', zsh: 'Shell',
  ps1: 'PowerShell',
  sql: 'SQL',
  proto: 'Protocol Buffers',
  tf: 'HCL', hcl: 'HCL',
  html: 'HTML', htm: 'HTML',
  css: 'CSS', scss: 'SCSS', sass: 'SCSS', less: 'Less',
  md: 'Markdown', mdx: 'Markdown', markdown: 'Markdown', rst: 'reStructuredText',
  json: 'JSON',
  yml: 'YAML', yaml: 'YAML',
  toml: 'TOML',
  xml: 'XML',
};

/** Names that say the language without an extension. */
const BY_NAME: Readonly<Record<string, string>> = {
  Dockerfile: 'Dockerfile',
  Makefile: 'Makefile',
  'CMakeLists.txt': 'CMake',
};

/** The language of one file by its name, or undefined. */
export function languageOf(path: string): string | undefined {
  const name = baseName(path);
  const byName = BY_NAME[name];
  if (byName !== undefined) return byName;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const language = BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
  return language;
}

/**
 * Languages by file count, most first, ties by name; at most `limit`. Vendored and fixture
 * directories are left out, as they are for toolchains: they are not the project's code.
 */
export function countLanguages(files: readonly RepoFile[], limit = 100): { name: string; files: number }[] {
  const counts = new Map<string, number>();
  for (const { path } of files) {
    const language = languageOf(path);
    if (language === undefined || isForeignPath(path)) continue;
    counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([name, n]) => ({ name, files: n }))
    .sort((a, b) => b.files - a.files || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit);
}
