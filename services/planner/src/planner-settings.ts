import { ConfigError } from '@autopilot/kernel';
import { parsePriceTable } from '@autopilot/model-client/pricing';
import { defineSettings, setting } from '@autopilot/runtime';
import type { PlannerBudgetMode, PlannerModelConfig } from './adapters/openai-plan-refiner';
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
    budget: setting.text({
      env: 'AUTOPILOT_PLANNER_BUDGET',
      description:
        "who pays for refinement calls: `governance` (each call reserves from the project's budget; the model must be in the price table) or `unmetered` (bounded only by the call cap per planning)",
      defaultText: 'unmetered',
    }),
    priceTable: setting.text({
      env: 'AUTOPILOT_PRICE_TABLE',
      description: 'model prices as JSON, USD per million tokens (what a call costs in its span)',
      defaultText: 'unset: no model priced',
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
    const budget = (v.budget ?? 'unmetered') as PlannerBudgetMode;
    if (budget !== 'governance' && budget !== 'unmetered') {
      throw new ConfigError('AUTOPILOT_PLANNER_BUDGET', `"${v.budget}" is neither governance nor unmetered`);
    }
    const priceTable =
      v.priceTable === undefined ? {} : parsePriceTable('AUTOPILOT_PRICE_TABLE', v.priceTable);
    if (budget === 'governance' && !Object.hasOwn(priceTable, v.model)) {
      throw new ConfigError(
        'AUTOPILOT_PRICE_TABLE',
        `has no price for ${JSON.stringify(v.model)}: AUTOPILOT_PLANNER_BUDGET=governance reserves each call at its price`,
      );
    }
    return {
      model: {
        model: v.model,
        timeoutMs: v.timeoutMs,
        budget,
        priceTable,
        ...(v.baseUrl !== undefined ? { baseURL: v.baseUrl } : {}),
        ...(v.apiKey !== undefined ? { apiKey: v.apiKey } : {}),
      },
      maxRefinementCalls: v.maxCalls,
    };
  },
);
