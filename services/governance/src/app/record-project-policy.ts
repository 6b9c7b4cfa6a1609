import { Inject, Injectable } from '@nestjs/common';
import type { ProjectUpdatedV1, RepoScannedV1 } from '@autopilot/contracts';
import { PolicyRepository } from './ports';

/**
 * Keeps a project's policy inputs: its autonomy mode and default branch from `project.updated`
 * (an older revision changes nothing) and its toolchains from `repo.scanned` (a scan older than
 * the one kept changes nothing). `repo.scanned` names its project: ingestion registers one
 * repository per project, so the newest scan of the project is its repository's.
 */
@Injectable()
export class RecordProjectPolicyUseCase {
  constructor(@Inject(PolicyRepository) private readonly policies: PolicyRepository) {}

  /** True when stored; false when the event was older than what is kept. */
  async fromProject(project: ProjectUpdatedV1): Promise<boolean> {
    const kept = await this.policies.get(project.id);
    if (kept?.project && kept.project.revision >= project.revision) return false;
    await this.policies.commit(
      {
        ...(kept ?? {}),
        projectId: project.id,
        project: {
          revision: project.revision,
          autonomyMode: project.autonomyMode,
          defaultBranch: project.repo.defaultBranch,
          repoLocation: project.repo.location,
        },
      },
      kept?.version ?? 0,
    );
    return true;
  }

  /** True when stored; false when a newer scan of the project is already kept. */
  async fromScan(scan: RepoScannedV1): Promise<boolean> {
    const kept = await this.policies.get(scan.projectId);
    if (kept?.scan && Date.parse(kept.scan.scannedAt) > Date.parse(scan.scannedAt)) return false;
    await this.policies.commit(
      {
        ...(kept ?? {}),
        projectId: scan.projectId,
        scan: {
          scannedAt: scan.scannedAt,
          commit: scan.commit,
          repoLocation: scan.repo.location,
          toolchains: scan.toolchains,
        },
      },
      kept?.version ?? 0,
    );
    return true;
  }
}
