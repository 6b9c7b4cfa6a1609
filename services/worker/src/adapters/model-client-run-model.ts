import {
  ContextLengthExceededError,
  ModelBudgetRefusedError,
  type ModelClient,
  type ModelMessage,
  type ModelRouter,
  type TokenCounter,
} from '@autopilot/model-client';
import { describeError, hasCode } from '@autopilot/kernel';
import type { ChatMessage, ModelCallOutcome, ModelCallRequest, RunModel } from '../app/ports';

/**
 * RunModel over the one model client (@autopilot/model-client): the run loop's tier becomes the
 * router's model for the role; the client reserves, calls, spans and settles. Its typed refusals
 * become the loop's outcomes: a refused reservation (naming the cap), a prompt too long, a failure
 * after the client's retries. A malformed tool call stays a tool call with its raw arguments, for
 * the tools to refuse as the model's mistake.
 */
export class ModelClientRunModel implements RunModel {
  constructor(
    private readonly client: ModelClient,
    private readonly router: ModelRouter,
    private readonly counter: TokenCounter,
  ) {}

  countTokens(text: string): number {
    return this.counter.count(text);
  }

  async complete(request: ModelCallRequest): Promise<ModelCallOutcome> {
    const model = this.router.modelFor(request.role, request.tier);
    try {
      const answer = await this.client.complete({
        role: request.role,
        model,
        messages: request.messages.map(toModelMessage),
        tools: request.tools,
        maxTokens: request.maxTokens,
        projectId: request.projectId,
        runId: request.runId,
        taskId: request.taskId,
        purpose: `${request.role} run ${request.runId} step ${request.stepSeq}`,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return {
        kind: 'reply',
        content: answer.text,
        toolCalls: answer.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.argumentsJson })),
        model: answer.responseModel,
        usage: { input: answer.usage.inputTokens, output: answer.usage.outputTokens },
        costUsd: answer.costUsd,
      };
    } catch (err) {
      if (err instanceof ModelBudgetRefusedError)
        return {
          kind: 'budget_refused',
          scope: err.scope,
          requestedUsd: err.estimateUsd,
          reason: err.reason,
        };
      if (err instanceof ContextLengthExceededError)
        return { kind: 'context_too_long', message: err.message };
      const code = hasCode(err, 'MODEL_CALL_CANCELLED')
        ? 'WORKER_MODEL_ABORTED'
        : ((err as { code?: string }).code ?? 'MODEL_FAILED');
      return { kind: 'failed', code, message: describeError(err), model, costUsd: 0 };
    }
  }
}

function toModelMessage(m: ChatMessage): ModelMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', toolCallId: m.toolCallId, content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls
          ? { toolCalls: m.toolCalls.map((c) => ({ id: c.id, name: c.name, argumentsJson: c.arguments })) }
          : {}),
      };
    default: {
      const never: never = m;
      throw new Error(`unexpected message ${JSON.stringify(never)}`);
    }
  }
}
