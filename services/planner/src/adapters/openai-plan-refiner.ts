import OpenAI from 'openai';
import { AutopilotError } from '@autopilot/kernel';
import type { PlanRefiner, RefinementRequest } from '../app/ports';

/**
 * PlanRefiner over the `openai` client and the chat-completions API, so any OpenAI-compatible
 * server works (OpenAI, a gateway, a local model server): `OPENAI_BASE_URL` picks it (see
 * planner-settings.ts).
 *
 * The API key stays inside the client: errors carry the HTTP status and the server's message with
 * any occurrence of the key cut out, and no `cause` (a driver error may hold request details).
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

export interface PlannerModelConfig {
  readonly model: string;
  readonly baseURL?: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
}

export class OpenAiPlanRefiner implements PlanRefiner {
  readonly model: string;
  readonly #client: OpenAI;
  readonly #apiKey: string;

  constructor(config: PlannerModelConfig) {
    this.model = config.model;
    // Local OpenAI-compatible servers take any key; the client insists on one.
    this.#apiKey = config.apiKey ?? 'no-key';
    this.#client = new OpenAI({
      apiKey: this.#apiKey,
      ...(config.baseURL !== undefined ? { baseURL: config.baseURL } : {}),
      timeout: config.timeoutMs,
      // The planner bounds its calls per plan; a client-side retry would be a call it never counted.
      maxRetries: 0,
    });
  }

  async refine(request: RefinementRequest): Promise<unknown> {
    let content: string | null | undefined;
    try {
      const completion = await this.#client.chat.completions.create({
        model: this.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
      });
      content = completion.choices[0]?.message?.content;
    } catch (err) {
      throw new PlanRefinerError(this.model, this.reasonOf(err));
    }
    if (!content) throw new PlanRefinerError(this.model, 'the answer has no content');
    const json = content
      .trim()
      .replace(/^```(?:json)?\s*/i, '')
      .replace(/\s*```$/, '');
    try {
      return JSON.parse(json) as unknown;
    } catch {
      throw new PlanRefinerError(this.model, `the answer is not JSON: ${this.redact(json.slice(0, 80))}`);
    }
  }

  /** Keeps the key out of anything printed: the client object would show it in a log. */
  toJSON(): { model: string } {
    return { model: this.model };
  }

  private reasonOf(err: unknown): string {
    if (err instanceof OpenAI.APIError) {
      const status = err.status === undefined ? 'no HTTP status' : `HTTP ${err.status}`;
      return this.redact(`${err.constructor.name} (${status}): ${err.message}`.slice(0, 500));
    }
    return this.redact(
      err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : 'unknown failure',
    );
  }

  private redact(text: string): string {
    return this.#apiKey.length >= 4 ? text.split(this.#apiKey).join('[redacted]') : text;
  }
}
