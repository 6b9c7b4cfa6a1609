/** Where a version is in its life: written by a job, then current, then superseded by the next one. */
export type VersionStatus = 'ingesting' | 'current' | 'superseded';

/** What deciding needs to know of the newest version allocated for a blueprint. */
export interface LatestVersion {
  number: number;
  digest: string;
  /** The file layout, for multi-file blueprints ('' for a single text): same text, other files = new version. */
  filesKey: string;
  status: VersionStatus;
}

export type VersionDecision =
  /** The newest version already holds this text and is complete: announce it again, write nothing. */
  | { kind: 'reuse'; version: number }
  /** The newest version holds this text but a job stopped while writing it: finish it. */
  | { kind: 'resume'; version: number }
  /** A new version, superseding `parentVersion` (the current one) when there is one. */
  | { kind: 'create'; version: number; parentVersion?: number };

/**
 * The same text twice is one version: only a text (or file layout) different from the newest version
 * makes a new one. A text equal to an older, superseded version is a new version too (it reverts the
 * newest), so versions only move forward.
 */
export function decideVersion(
  latest: LatestVersion | undefined,
  currentVersion: number | undefined,
  digest: string,
  filesKey: string,
): VersionDecision {
  if (latest && latest.digest === digest && latest.filesKey === filesKey) {
    return latest.status === 'ingesting'
      ? { kind: 'resume', version: latest.number }
      : { kind: 'reuse', version: latest.number };
  }
  const version = (latest?.number ?? 0) + 1;
  return currentVersion === undefined
    ? { kind: 'create', version }
    : { kind: 'create', version, parentVersion: currentVersion };
}

/** The blueprint's current version when a job finishes: its number, and its status when its record was found. */
export interface CurrentVersion {
  number: number;
  /** Undefined when the record of the current version is missing: nothing to supersede then. */
  status?: VersionStatus;
}

export type FinishDecision =
  /** The version was finished before (the job's last step ran again): nothing changes. */
  | { kind: 'unchanged' }
  /**
   * The version becomes the blueprint's current one. `supersedes`, when set, is the version that was
   * current until now and is not superseded yet: it is now, by this one.
   */
  | { kind: 'current'; version: number; supersedes?: number }
  /** A newer version finished first (two submissions raced): this one is history at once. */
  | { kind: 'superseded'; version: number; supersededBy: number };

/**
 * What finishing the job that wrote version `finishing` does to the blueprint's versions. Versions
 * only move forward: the finished one becomes current only when it is newer than the current one.
 */
export function decideFinish(
  finishing: { number: number; status: VersionStatus },
  current: CurrentVersion | undefined,
): FinishDecision {
  if (finishing.status !== 'ingesting') return { kind: 'unchanged' };
  const currentNumber = current?.number ?? 0;
  if (currentNumber >= finishing.number) {
    return { kind: 'superseded', version: finishing.number, supersededBy: currentNumber };
  }
  return current?.status !== undefined && current.status !== 'superseded'
    ? { kind: 'current', version: finishing.number, supersedes: current.number }
    : { kind: 'current', version: finishing.number };
}

/** A stable key of a multi-file layout: the paths and starts, in order. */
export function filesKeyOf(files: readonly { path: string; start: number }[] | undefined): string {
  return files ? files.map((f) => `${f.start}:${f.path}`).join('\n') : '';
}
