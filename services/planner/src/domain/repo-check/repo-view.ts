import type { RepoScannedV1 } from '@autopilot/contracts';

/**
 * What the planner keeps of a project's latest repository scan to check tasks against (issue 17):
 * the file inventory, the detected toolchains and the npm scripts of the package.json files the
 * scan carried. A plain value built from `repo.scanned` alone (the planner never reads the
 * repository), stored per project, so a plan made after the scan is checked when it is made.
 */
export interface RepoView {
  readonly commit: string;
  /** The scan's hash over every path and content, when it gave one: equal hashes, equal trees. */
  readonly snapshotHash?: string;
  /** Listed files, sorted by path. */
  readonly files: readonly string[];
  /** How many files the repository has; more than `files.length` when the scan listed only some. */
  readonly fileCount: number;
  /** Entries at the root (directories end in /): always complete, unlike `files`. */
  readonly topLevel: readonly string[];
  readonly toolchains: readonly RepoViewToolchain[];
  /** Script names of each package.json whose text the scan carried, by its folder ('.' for the root). */
  readonly packageScripts: readonly { readonly dir: string; readonly scripts: readonly string[] }[];
}

export interface RepoViewToolchain {
  /** node, python, go, rust, java. */
  readonly name: string;
  /** npm, pnpm, yarn, bun, pip, poetry, uv, go, cargo, maven, gradle, when the scan said. */
  readonly tool?: string;
  /** Where its commands run, from the repository root; '.' for the root. */
  readonly directory: string;
  readonly manifestPath: string;
  readonly buildCommand?: readonly string[];
  readonly testCommand?: readonly string[];
  readonly lintCommand?: readonly string[];
}

export function repoViewFromScan(scanned: RepoScannedV1): RepoView {
  const files = (scanned.files ?? []).map((f) => f.path).sort(byCodeUnit);
  const packageScripts: { dir: string; scripts: string[] }[] = [];
  for (const t of scanned.fileTexts ?? []) {
    if (t.truncated || !(t.path === 'package.json' || t.path.endsWith('/package.json'))) continue;
    const scripts = scriptNames(t.text);
    if (scripts !== undefined) packageScripts.push({ dir: folderOf(t.path) || '.', scripts });
  }
  return {
    commit: scanned.commit,
    ...(scanned.snapshotHash !== undefined ? { snapshotHash: scanned.snapshotHash } : {}),
    files,
    fileCount: Math.max(scanned.fileCount, files.length),
    topLevel: [...scanned.topLevelPaths].sort(byCodeUnit),
    toolchains: scanned.toolchains.map((t) => ({
      name: t.name,
      ...(t.tool !== undefined ? { tool: t.tool } : {}),
      directory: t.directory ?? (folderOf(t.manifestPath) || '.'),
      manifestPath: t.manifestPath,
      ...(t.buildCommand !== undefined ? { buildCommand: t.buildCommand } : {}),
      ...(t.testCommand !== undefined ? { testCommand: t.testCommand } : {}),
      ...(t.lintCommand !== undefined ? { lintCommand: t.lintCommand } : {}),
    })),
    packageScripts,
  };
}

/** The folder of a path, '' at the root. */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The script names of a package.json text, or undefined when it is not a JSON object. */
function scriptNames(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // ingestion reported the broken manifest as a scan problem
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const scripts = (parsed as { scripts?: unknown }).scripts;
  if (scripts === null || typeof scripts !== 'object' || Array.isArray(scripts)) return [];
  return Object.keys(scripts).sort(byCodeUnit);
}
