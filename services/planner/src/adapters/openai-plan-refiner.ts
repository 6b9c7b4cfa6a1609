import type { MessageBus } from '@autopilot/bus';
import { AutopilotError, type Clock, type IdSource, type Timers } from '@autopilot/kernel';
import {
  ModelClient,
  ModelRouter,
  singleModelRouting,
  unmeteredAdmission,
  type PriceTableConfig,
} from '@autopilot/model-client';
import { GovernanceBudgetAdmission } from '@autopilot/model-client/governance';
import { redactSecrets } from '@autopilot/secret-scan';
import type { PlanRefiner, RefinementRequest } from '../app/ports';

/**
 * PlanRefiner over the one model client (@autopilot/model-client): each refinement is one
 * `planner_refine` call that reserves its worst case, records its span with tokens and cost, and
 * settles, on any OpenAI-compatible server (`OPENAI_BASE_URL`, see planner-settings.ts). The API key
 * stays inside the client; its errors never carry it.
 */

/** A model call failed or answered something that is not a JSON object. Names the model, never the key. */
export class PlanRefinerError extends AutopilotError {
  readonly code = 'PLANNER_REFINER_FAILED';
  constructor(
    readonly model: string,
    readonly reason: string,
  ) {
    super(`model ${model}: ${reason}`);
  }
}

/**
 * Who pays for the planner's calls. `governance`: each call reserves through governance's budget,
 * charged to the project, with the planning of one blueprint version booked as its run (the model
 * must be in the price table). `unmetered`: no budget is asked; the calls are bounded only by
 * `AUTOPILOT_PLANNER_MAX_LLM_CALLS` per planning, and every span says `autopilot.budget.unmetered`.
 */
export type PlannerBudgetMode = 'governance' | 'unmetered';

export interface PlannerModelConfig {
  readonly model: string;
  readonly baseURL?: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
  readonly budget: PlannerBudgetMode;
  /** Prices by model (`AUTOPILOT_PRICE_TABLE`); may be empty when `budget` is `unmetered`. */
  readonly priceTable: PriceTableConfig;
}

/** The most a refinement answer may be: a small JSON object. */
export const REFINEMENT_MAX_TOKENS = 1_000;

export class OpenAiPlanRefiner implements PlanRefiner {
  constructor(
    private readonly client: ModelClient,
    readonly model: string,
  ) {}

  async refine(request: RefinementRequest): Promise<unknown> {
    let content: string | null;
    try {
      const answer = await this.client.complete({
        role: 'planner_refine',
        model: this.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        maxTokens: REFINEMENT_MAX_TOKENS,
        temperature: 0,
        json: true,
        projectId: request.projectId,
        runId: request.planningId,
        purpose: `planner_refine ${request.nodeId}`.slice(0, 200),
      });
      content = answer.text;
    } catch (err) {
      // The client's errors carry no key and no driver cause; their code says what failed.
      const reason =
        err instanceof AutopilotError
          ? `${err.code}: ${err.message}`
          : err instanceof Error
            ? err.name
            : 'unknown failure';
      throw new PlanRefinerError(this.model, reason.slice(0, 600));
    }
    if (!content) throw new PlanRefinerError(this.model, 'the answer has no content');
    const json = content
      .trim()
      .replace(/^```(?:json)?\s*/i, '')
      .replace(/\s*```$/, '');
    try {
      return JSON.parse(json) as unknown;
    } catch {
      throw new PlanRefinerError(this.model, `the answer is not JSON: ${redactSecrets(json.slice(0, 80))}`);
    }
  }

  /** What a log line shows of the refiner: the model, nothing of the client. */
  toJSON(): { model: string } {
    return { model: this.model };
  }
}

/**
 * The refiner on the one model client. Its budget is chosen explicitly by AUTOPILOT_PLANNER_BUDGET
 * (planner-settings.ts): governance's, or unmetered, which every span of the planner's calls says.
 */
export function planRefiner(
  config: PlannerModelConfig,
  ports: { bus: MessageBus; clock: Clock; timers: Timers; ids: IdSource },
): OpenAiPlanRefiner {
  const client = new ModelClient({
    provider: {
      ...(config.baseURL !== undefined ? { baseURL: config.baseURL } : {}),
      ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
      timeoutMs: config.timeoutMs,
    },
    router: new ModelRouter(singleModelRouting(config.model)),
    priceTable: config.priceTable,
    admission:
      config.budget === 'governance' ? new GovernanceBudgetAdmission(ports.bus) : unmeteredAdmission(),
    // A local model with no price costs nothing when nobody meters it; governance refuses it.
    unpricedModels: config.budget === 'governance' ? 'refuse' : 'free',
    // The planner bounds its calls per plan; a retry would be a call it never counted. A failed
    // refinement leaves the node as the rules made it.
    retry: { maxAttempts: 1 },
    timers: ports.timers,
    clock: ports.clock,
    ids: ports.ids,
  });
  return new OpenAiPlanRefiner(client, config.model);
}
