import type { RepoFile, RepoScanProblem } from '@autopilot/contracts';
import {
  baseName,
  comparePaths,
  directoryOf,
  isForeignPath,
  isDetectablePath,
  joinPath,
  pathDepth,
  type ManifestFile,
} from '../repo-scan/repo-snapshot';
import { startsToolchain } from './toolchain-files';
import { detectGo } from './toolchain-go';
import { detectJava } from './toolchain-java';
import { detectNode } from './toolchain-node';
import { detectPython } from './toolchain-python';
import { detectRust } from './toolchain-rust';
import type {
  DetectedToolchain,
  Detection,
  Detector,
  ToolchainDirectory,
  ToolchainName,
} from './toolchain-types';

/** The most toolchains one scan reports (the `repo.scanned` contract's bound); shallowest kept. */
export const MAX_TOOLCHAINS = 50;

/** Fixed order: within a directory, toolchains are reported in this order. */
const DETECTORS: readonly (readonly [ToolchainName, Detector])[] = [
  ['node', detectNode],
  ['python', detectPython],
  ['go', detectGo],
  ['rust', detectRust],
  ['java', detectJava],
];

export interface ToolchainDetection {
  /** Root first, then by depth and path; within a directory in the order node, python, go, rust, java. */
  readonly toolchains: DetectedToolchain[];
  /** Sorted by path, then message. */
  readonly problems: RepoScanProblem[];
}

/**
 * Finds the toolchains of a repository from its file list and manifest contents. Pure and
 * deterministic: the same files and manifests give the same answer, in the same order.
 */
export function detectToolchains(
  files: readonly RepoFile[],
  manifests: readonly ManifestFile[],
): ToolchainDetection {
  const byDirectory = indexDirectories(files);
  const manifestByPath = new Map(manifests.map((m) => [m.path, m]));
  const candidates = [...byDirectory.entries()]
    .filter(([dir, names]) =>
      names.some((name) => startsToolchain(name) && isDetectablePath(joinPath(dir, name))),
    )
    .map(([dir]) => dir)
    .sort(compareDirectories);

  const problems: RepoScanProblem[] = [];
  const accepted: { dir: string; name: ToolchainName; detection: Detection }[] = [];
  for (const path of candidates) {
    const view = directoryView(path, byDirectory, manifestByPath, files);
    for (const [name, detect] of DETECTORS) {
      const owner = accepted.find(
        (a) => a.name === name && isBelow(path, a.dir) && a.detection.covers(view, relativeTo(path, a.dir)),
      );
      if (owner) continue;
      const detection = detect(view, problems);
      if (!detection) continue;
      if (accepted.length < MAX_TOOLCHAINS) accepted.push({ dir: path, name, detection });
      else {
        problems.push({
          path: detection.toolchain.manifestPath,
          message: `not reported: a scan reports at most ${MAX_TOOLCHAINS} toolchains, shallowest first`,
        });
      }
    }
  }
  problems.sort((a, b) => comparePaths(a.path, b.path) || comparePaths(a.message, b.message));
  return { toolchains: accepted.map((a) => a.detection.toolchain), problems: dedupe(problems) };
}

/** Directory -> names of the files directly in it, in path order (files arrive sorted). */
function indexDirectories(files: readonly RepoFile[]): Map<string, string[]> {
  const byDirectory = new Map<string, string[]>();
  for (const { path } of files) {
    const dir = directoryOf(path);
    const names = byDirectory.get(dir);
    if (names) names.push(baseName(path));
    else byDirectory.set(dir, [baseName(path)]);
  }
  return byDirectory;
}

function compareDirectories(a: string, b: string): number {
  const depth = (d: string) => (d === '.' ? 0 : pathDepth(d));
  return depth(a) - depth(b) || comparePaths(a, b);
}

function isBelow(path: string, ancestor: string): boolean {
  return path !== ancestor && (ancestor === '.' || path.startsWith(`${ancestor}/`));
}

function relativeTo(path: string, ancestor: string): string {
  return ancestor === '.' ? path : path.slice(ancestor.length + 1);
}

function directoryView(
  path: string,
  byDirectory: ReadonlyMap<string, readonly string[]>,
  manifests: ReadonlyMap<string, ManifestFile>,
  files: readonly RepoFile[],
): ToolchainDirectory {
  const fileNames = byDirectory.get(path) ?? [];
  const names = new Set(fileNames);
  const prefix = path === '.' ? '' : `${path}/`;
  return {
    path,
    fileNames,
    has: (name) => names.has(name),
    manifest: (name) => manifests.get(joinPath(path, name)),
    firstFileBelow: (test) => {
      // Paths sharing a prefix are contiguous in sorted order: start at the first, stop after the last.
      for (let i = lowerBound(files, prefix); i < files.length; i++) {
        const file = files[i]?.path ?? '';
        if (!file.startsWith(prefix)) break;
        if (test(baseName(file)) && !isForeignPath(file)) return file;
      }
      return undefined;
    },
  };
}

function lowerBound(files: readonly RepoFile[], prefix: string): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePaths(files[mid]?.path ?? '', prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function dedupe(problems: RepoScanProblem[]): RepoScanProblem[] {
  return problems.filter(
    (p, i) => i === 0 || p.path !== problems[i - 1]?.path || p.message !== problems[i - 1]?.message,
  );
}
