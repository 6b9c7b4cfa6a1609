import type OpenAI from 'openai';

/** `text` with the API key cut out (providers and proxies echo a refused key in their message). */
export function withoutKey(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
}

/** The provider's own message of a failed call, key cut out, at most 500 characters. */
export function providerMessageOf(err: InstanceType<typeof OpenAI.APIError>, apiKey: string): string {
  const body = err.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : err.message;
  return withoutKey(text, apiKey).slice(0, 500);
}
