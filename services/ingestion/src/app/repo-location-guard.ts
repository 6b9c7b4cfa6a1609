import { Inject, Injectable } from '@nestjs/common';
import { classifyRepoLocation, localRefusal } from '../domain/repo-scan/repo-location';
import {
  RepoLocationRefusedError,
  RepoNotProjectRepositoryError,
} from '../domain/repo-scan/repo-scan-errors';
import { LocalPaths, ProjectRepositories, REPO_ROOTS } from './ports';

/** A location a scan may read: what to open, and the key the project's registration compares. */
export interface AdmittedLocation {
  /** For a local repository its real path (the reader opens this, never the name it was given). */
  readonly location: string;
  readonly key: string;
}

/**
 * Checks a scan's repository location before anything is read (issue 13 item 5): local paths must
 * resolve (realpath) under the configured roots, remote ones must be https/ssh/git, and a project
 * scans only the repository its first scan read. Every refusal is a RepoScanError with `badInput`,
 * so the job ends in a failed `ingestion.progress` naming the reason.
 */
@Injectable()
export class RepoLocationGuard {
  constructor(
    @Inject(LocalPaths) private readonly paths: LocalPaths,
    @Inject(ProjectRepositories) private readonly projects: ProjectRepositories,
    @Inject(REPO_ROOTS) private readonly roots: readonly string[],
  ) {}

  async admit(projectId: string, location: string): Promise<AdmittedLocation> {
    const kind = classifyRepoLocation(location);
    let admitted: AdmittedLocation;
    if (kind.kind === 'remote') {
      admitted = { location, key: kind.key };
    } else {
      // A path that does not exist is checked as written (nothing there to escape through); the
      // reader then reports it missing.
      const real = (await this.paths.realPath(kind.path)) ?? kind.path;
      const realRoots = await Promise.all(this.roots.map(async (r) => (await this.paths.realPath(r)) ?? r));
      const refusal = localRefusal(location, real, realRoots);
      if (refusal !== undefined) throw new RepoLocationRefusedError(location, refusal);
      admitted = { location: real, key: real };
    }
    const registered = await this.projects.registered(projectId);
    if (registered !== undefined && registered !== admitted.key) {
      throw new RepoNotProjectRepositoryError(projectId, location, registered);
    }
    return admitted;
  }

  /** After a successful scan: the project's repository is this one (unless another won meanwhile). */
  async register(projectId: string, admitted: AdmittedLocation, jobId: string): Promise<void> {
    const registered = await this.projects.register(projectId, admitted.key, jobId);
    if (registered !== admitted.key) {
      throw new RepoNotProjectRepositoryError(projectId, admitted.location, registered);
    }
  }
}
