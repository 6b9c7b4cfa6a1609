import { StepRecordedV1, type Envelope } from '@autopilot/contracts';
import {
  ATTR_AUTOPILOT_COST_USD,
  ATTR_AUTOPILOT_PROJECT_ID,
  ATTR_AUTOPILOT_RUN_ID,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  tracer,
} from '@autopilot/telemetry';

/**
 * One span per recorded step (DESIGN.md section 7), in the run's trace (the handler's span is the
 * active one), timed as the step was: its kind, status, cost and tokens. Model calls also have the
 * model client's own span with the GenAI attributes; this one is the step around it.
 */
export function recordStepSpans(events: readonly Envelope[]): void {
  for (const event of events) {
    if (event.type !== StepRecordedV1.type) continue;
    const step = event.data as StepRecordedV1;
    const start = Date.parse(step.startedAt);
    const span = tracer().startSpan(`step ${step.kind}`, {
      startTime: start,
      attributes: {
        [ATTR_AUTOPILOT_RUN_ID]: step.runId,
        [ATTR_AUTOPILOT_PROJECT_ID]: step.projectId,
        [ATTR_AUTOPILOT_COST_USD]: step.costUsd,
        'autopilot.step.seq': step.seq,
        'autopilot.step.status': step.status,
        ...(step.model !== undefined ? { [ATTR_GEN_AI_REQUEST_MODEL]: step.model } : {}),
        ...(step.tokens
          ? {
              [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: step.tokens.input,
              [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: step.tokens.output,
            }
          : {}),
      },
    });
    span.end(start + step.durationMs);
  }
}
