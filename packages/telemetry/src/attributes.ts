/**
 * Span attribute names (DESIGN.md section 7). The GenAI names follow the OpenTelemetry GenAI
 * semantic conventions; they are written out here rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, whose exports may be renamed in any minor release.
 */

/** The model an LLM call asked for, e.g. `gpt-4.1-mini`. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** Prompt tokens an LLM call consumed. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** Completion tokens an LLM call produced. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** What a span cost in US dollars; rolled up onto the run span. */
export const ATTR_AUTOPILOT_COST_USD = 'autopilot.cost_usd';
/** The run a span belongs to (the envelope's `correlationId` for run traffic). */
export const ATTR_AUTOPILOT_RUN_ID = 'autopilot.run_id';
/**
 * The Autopilot service that produced a span. The embedded topology hosts every service in one
 * process under one SDK (one `service.name`), so this attribute is what tells them apart.
 */
export const ATTR_AUTOPILOT_SERVICE = 'autopilot.service';
/** The project a span acts for. */
export const ATTR_AUTOPILOT_PROJECT_ID = 'autopilot.project_id';
