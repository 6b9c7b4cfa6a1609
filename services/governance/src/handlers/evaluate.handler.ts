import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GovernanceEvaluateV1, type GovernanceEvaluateV1Reply } from '@autopilot/contracts';
import { EvaluateActionUseCase } from '../app/evaluate-action';

/** Policy's answer to an action: allow, deny (with the rules) or needs_approval (with the approval id). */
@Controller()
export class EvaluateHandler {
  constructor(private readonly evaluateAction: EvaluateActionUseCase) {}

  @MessagePattern(GovernanceEvaluateV1.subject)
  handle(@Payload() req: GovernanceEvaluateV1): Promise<GovernanceEvaluateV1Reply> {
    return this.evaluateAction.execute(req);
  }
}
