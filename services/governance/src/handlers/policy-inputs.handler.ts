import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ProjectUpdatedV1, RepoScannedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RecordProjectPolicyUseCase } from '../app/record-project-policy';

/** Learns each project's autonomy mode and default branch, and its repository's toolchains. */
@Controller()
export class PolicyInputsHandler {
  constructor(private readonly recordPolicy: RecordProjectPolicyUseCase) {}

  @EventPattern(ProjectUpdatedV1.subject, { consumer: 'governance-project-policy' } satisfies BusEventOptions)
  async project(@Payload() project: ProjectUpdatedV1): Promise<void> {
    await this.recordPolicy.fromProject(project);
  }

  @EventPattern(RepoScannedV1.subject, { consumer: 'governance-repo-scanned' } satisfies BusEventOptions)
  async scanned(@Payload() scan: RepoScannedV1): Promise<void> {
    await this.recordPolicy.fromScan(scan);
  }
}
