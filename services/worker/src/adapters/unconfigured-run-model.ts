import type { TokenCounter } from '@autopilot/model-client';
import type { ModelCallOutcome, RunModel } from '../app/ports';

/**
 * The RunModel of a worker with no model configured: every call fails at once, saying how to
 * configure one, and nothing is spent. Tasks whose steps are spelled out still run without it.
 */
export class UnconfiguredRunModel implements RunModel {
  constructor(private readonly counter: TokenCounter) {}

  countTokens(text: string): number {
    return this.counter.count(text);
  }

  complete(): Promise<ModelCallOutcome> {
    return Promise.resolve({
      kind: 'failed',
      code: 'WORKER_MODEL_NOT_CONFIGURED',
      message:
        'no model is configured for the worker: set AUTOPILOT_WORKER_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)',
      costUsd: 0,
    });
  }
}
