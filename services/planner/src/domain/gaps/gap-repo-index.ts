import type { GapEvidence, GapKind, RiskLevel } from '@autopilot/contracts';
import { baseName, dirName, type RepoSnapshot, type RepoSnapshotFile } from './gap-snapshot';

/** A gap as a rule finds it; the report gives it its id (from `kind` and `key`) and its place. */
export interface GapFinding {
  readonly kind: GapKind;
  /** What makes this gap this gap (a path, a script name): the same finding keeps the same id. */
  readonly key: string;
  readonly title: string;
  readonly detail: string;
  readonly evidence: readonly GapEvidence[];
  readonly risk: RiskLevel;
  readonly blocking: boolean;
}

/** Most evidence pointers one gap carries (the contract's bound). */
export const MAX_EVIDENCE = 50;

/** The snapshot, sorted and indexed once for every rule. */
export interface RepoIndex {
  readonly snapshot: RepoSnapshot;
  /** Files sorted by path (code-unit order, locale-independent). */
  readonly files: readonly RepoSnapshotFile[];
  readonly byPath: ReadonlyMap<string, RepoSnapshotFile>;
  /** Every directory that holds a tracked file, at any depth, without a trailing slash. */
  readonly dirs: ReadonlySet<string>;
  /** Files directly at the root. */
  readonly rootFiles: readonly RepoSnapshotFile[];
}

export function indexSnapshot(snapshot: RepoSnapshot): RepoIndex {
  const files = [...snapshot.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byPath = new Map<string, RepoSnapshotFile>();
  const dirs = new Set<string>();
  for (const file of files) {
    byPath.set(file.path, file);
    for (let dir = dirName(file.path); dir !== '' && !dirs.has(dir); dir = dirName(dir)) dirs.add(dir);
  }
  return { snapshot, files, byPath, dirs, rootFiles: files.filter((f) => !f.path.includes('/')) };
}

/** Whether `path` (a file, or a directory with or without a trailing slash) is tracked. */
export function exists(index: RepoIndex, path: string): boolean {
  const clean = path.replace(/\/+$/, '');
  return clean === '' || index.byPath.has(clean) || index.dirs.has(clean);
}

/** A pointer to a repository path, and to a line of it when known (1-based; `end` exclusive). */
export function pathEvidence(path: string, line?: number, excerpt?: string): GapEvidence {
  const evidence: GapEvidence = { kind: 'repo_path', ref: path };
  if (line !== undefined) {
    evidence.start = line;
    evidence.end = line + 1;
  }
  if (excerpt !== undefined) evidence.excerpt = excerpt.length > 500 ? `${excerpt.slice(0, 499)}…` : excerpt;
  return evidence;
}

/** The 1-based line of the first occurrence of `needle` at or after line `fromLine`, if any. */
export function lineOf(content: string, needle: string | RegExp, fromLine = 1): number | undefined {
  const lines = content.split('\n');
  for (let i = fromLine - 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (typeof needle === 'string' ? line.includes(needle) : needle.test(line)) return i + 1;
  }
  return undefined;
}

/** A package.json parsed, or undefined when it is not an object of JSON. */
export interface PackageManifest {
  readonly path: string;
  readonly content: string;
  readonly scripts: Readonly<Record<string, string>>;
  readonly dependencyCount: number;
  readonly packageManager?: string;
  readonly license?: string;
  readonly workspaces: boolean;
}

export function packageManifests(index: RepoIndex): PackageManifest[] {
  const manifests: PackageManifest[] = [];
  for (const file of index.files) {
    if (baseName(file.path) !== 'package.json' || file.content === undefined) continue;
    if (file.path.includes('node_modules/')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(file.content);
    } catch {
      continue; // a broken manifest is the repository scan's problem to report, not a gap
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
    const json = parsed as Record<string, unknown>;
    const scripts: Record<string, string> = {};
    if (typeof json.scripts === 'object' && json.scripts !== null) {
      for (const [name, value] of Object.entries(json.scripts))
        if (typeof value === 'string') scripts[name] = value;
    }
    const count = (field: string) =>
      typeof json[field] === 'object' && json[field] !== null ? Object.keys(json[field]).length : 0;
    manifests.push({
      path: file.path,
      content: file.content,
      scripts,
      dependencyCount: count('dependencies') + count('devDependencies') + count('optionalDependencies'),
      ...(typeof json.packageManager === 'string' ? { packageManager: json.packageManager } : {}),
      ...(typeof json.license === 'string' ? { license: json.license } : {}),
      workspaces: json.workspaces !== undefined,
    });
  }
  return manifests;
}

/** Path segments that mark test code. */
export const TEST_DIR_NAMES: ReadonlySet<string> = new Set([
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'e2e',
]);

/** Whether `path` is a test file: in a test directory, or named like one in its language. */
export function isTestFile(path: string): boolean {
  const segments = path.split('/');
  if (segments.slice(0, -1).some((s) => TEST_DIR_NAMES.has(s))) return true;
  const base = segments[segments.length - 1] ?? '';
  return (
    /\.(test|spec)\.[A-Za-z0-9]+$/.test(base) ||
    /^test_.+\.py$/.test(base) ||
    /_test\.(py|go|exs?|rb)$/.test(base) ||
    /_spec\.rb$/.test(base) ||
    /Tests?\.(java|kt|cs|scala|swift)$/.test(base)
  );
}
