import { ModelAuthError, ModelProviderError } from './model-client-errors';
import type { ModelProviderConfig } from './model-client';
import { providerMessageOf, withoutKey } from './provider-text';

/**
 * Whether the provider answers and takes the key, asked before any money is spent (`GET /models`,
 * free at every provider). Resolves when it lists its models, or when it has no such list (404/405:
 * some local servers); rejects with ModelAuthError (401/403) or ModelProviderError (no answer, any
 * other status), the key cut out of either. The `openai` package loads here, on the first check.
 */
export async function verifyModelAccess(provider: ModelProviderConfig, model: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first check, not with this package
  const { default: OpenAI } = require('openai') as typeof import('openai');
  const apiKey = provider.apiKey ?? 'no-key';
  const client = new OpenAI({
    apiKey,
    ...(provider.baseURL !== undefined ? { baseURL: provider.baseURL } : {}),
    timeout: provider.timeoutMs,
    maxRetries: 0,
  });
  try {
    await client.models.list();
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) {
      const message = providerMessageOf(err, apiKey);
      if (err.status === 401 || err.status === 403) throw new ModelAuthError(model, err.status, message);
      if (err.status === 404 || err.status === 405) return;
      throw new ModelProviderError(model, err.status, 1, false, message);
    }
    const reason = err instanceof Error ? err.message : 'unknown failure';
    throw new ModelProviderError(
      model,
      undefined,
      1,
      true,
      withoutKey(`could not reach ${client.baseURL}: ${reason}`, apiKey),
    );
  }
}
