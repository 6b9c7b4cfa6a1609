import { ConfigError } from '@autopilot/kernel';
import { defineSettings, setting } from '@autopilot/runtime';
import type { PlannerModelConfig } from './adapters/openai-plan-refiner';
import { DEFAULT_MAX_REFINEMENT_CALLS } from './app/refine-plan';

/** What the planner module builds its model client and use case from. */
export interface PlannerSettings {
  /** Null when no model is configured: the rules' plan is the plan. */
  readonly model: PlannerModelConfig | null;
  /** Model calls per planning at most; 0 turns refinement off. */
  readonly maxRefinementCalls: number;
}

/**
 * The planner's settings, read and validated by the runtime at start. Any OpenAI-compatible server
 * works (OpenAI, a gateway, a local model server): `OPENAI_BASE_URL` picks it. The key's value is
 * never part of a message or a log line.
 */
export const plannerSettings = defineSettings(
  {
    model: setting.text({
      env: 'AUTOPILOT_PLANNER_MODEL',
      description: 'model that refines plan nodes the rules cannot settle',
      defaultText: 'unset: rules only',
    }),
    baseUrl: setting.httpUrl({
      env: 'OPENAI_BASE_URL',
      description: 'OpenAI-compatible API base URL, e.g. `http://127.0.0.1:11434/v1`',
      defaultText: "unset: OpenAI's",
    }),
    apiKey: setting.text({
      env: 'OPENAI_API_KEY',
      description: 'API key of that server (required with a model unless `OPENAI_BASE_URL` is set)',
      secret: true,
    }),
    maxCalls: setting.wholeNumber({
      env: 'AUTOPILOT_PLANNER_MAX_LLM_CALLS',
      description: 'model calls per planning at most; 0 turns refinement off',
      fallback: DEFAULT_MAX_REFINEMENT_CALLS,
      min: 0,
    }),
    timeoutMs: setting.wholeNumber({
      env: 'AUTOPILOT_PLANNER_LLM_TIMEOUT_MS',
      description: 'how long one model call may take',
      fallback: 30_000,
      min: 1,
    }),
  },
  (v): PlannerSettings => {
    if (v.model === undefined) return { model: null, maxRefinementCalls: v.maxCalls };
    if (v.baseUrl === undefined && v.apiKey === undefined) {
      throw new ConfigError(
        'OPENAI_API_KEY',
        'required when AUTOPILOT_PLANNER_MODEL is set and OPENAI_BASE_URL is not',
      );
    }
    return {
      model: {
        model: v.model,
        timeoutMs: v.timeoutMs,
        ...(v.baseUrl !== undefined ? { baseURL: v.baseUrl } : {}),
        ...(v.apiKey !== undefined ? { apiKey: v.apiKey } : {}),
      },
      maxRefinementCalls: v.maxCalls,
    };
  },
);
