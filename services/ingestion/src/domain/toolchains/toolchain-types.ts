import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { joinPath, MANIFEST_LIMITS, type ManifestFile } from '../repo-scan/repo-snapshot';

export type ToolchainName = 'node' | 'python' | 'go' | 'rust' | 'java';

/**
 * A toolchain found in one directory. Commands are argv arrays run from `directory` without a shell
 * (DESIGN.md section 6). Every field that matters carries evidence: the file, and where in it.
 * Assignable to the `repo.scanned` contract's `Toolchain`.
 */
export interface DetectedToolchain {
  readonly name: ToolchainName;
  /** npm, pnpm, yarn, bun, pip, poetry, uv, pipenv, go, cargo, maven, gradle. */
  readonly tool: string;
  /** Where the commands run, from the repository root; '.' for the root. */
  readonly directory: string;
  /** The file that made it a toolchain. */
  readonly manifestPath: string;
  readonly installCommand?: string[];
  readonly buildCommand?: string[];
  readonly testCommand?: string[];
  readonly lintCommand?: string[];
  /** Workspace, member or module globs, as the manifest writes them. */
  readonly workspaces?: string[];
  readonly evidence: ToolchainEvidence[];
}

/** What a detector sees of one directory: the names in it and the manifests read from it. */
export interface ToolchainDirectory {
  /** From the repository root; '.' for the root. */
  readonly path: string;
  /** True when a file with this name is directly in the directory. */
  has(name: string): boolean;
  /** Names of the files directly in the directory, sorted. */
  readonly fileNames: readonly string[];
  /** The manifest's text when it was read (see `MANIFEST_LIMITS`). */
  manifest(name: string): ManifestFile | undefined;
  /** The first file (path order) below this directory whose name passes `test`, or undefined. */
  firstFileBelow(test: (name: string) => boolean): string | undefined;
}

/** A detector's answer for one directory. */
export interface Detection {
  readonly toolchain: DetectedToolchain;
  /**
   * True when a descendant directory's manifest of the same toolchain is part of this one (a
   * workspace member, a Maven module): that descendant is not reported on its own.
   */
  covers(descendant: ToolchainDirectory, relativePath: string): boolean;
}

export type Detector = (dir: ToolchainDirectory, problems: RepoScanProblem[]) => Detection | undefined;

/** Evidence pointing at a file in `dir`. */
export function evidence(
  dir: ToolchainDirectory,
  name: string,
  reason: string,
  where: { line?: number; field?: string } = {},
): ToolchainEvidence {
  const e: ToolchainEvidence = { path: joinPath(dir.path, name), reason: clip(reason, 300) };
  if (where.line !== undefined) e.line = where.line;
  if (where.field !== undefined) e.field = where.field;
  return e;
}

/** A manifest's text for a detector, recording a problem when it was not read or read only in part. */
export function manifestText(
  dir: ToolchainDirectory,
  name: string,
  problems: RepoScanProblem[],
): string | undefined {
  if (!dir.has(name)) return undefined;
  const file = dir.manifest(name);
  const path = joinPath(dir.path, name);
  if (!file) {
    problems.push({
      path,
      message: `not read: a scan reads at most ${MANIFEST_LIMITS.maxCount} manifests, shallowest first`,
    });
    return undefined;
  }
  if (file.truncated) {
    problems.push({
      path,
      message: `longer than ${MANIFEST_LIMITS.maxBytes} bytes: only its beginning was read`,
    });
  }
  return file.content;
}

/** Shortens text for a reason string, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
