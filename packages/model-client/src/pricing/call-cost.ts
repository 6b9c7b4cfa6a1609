import { BudgetInvalidAmountError } from './pricing-errors';
import { MAX_CALL_MICROS, type Micros } from './micros';
import type { ModelPrice } from './price-table';

/** No call reads or writes more tokens than this; a larger count is a bug, not a prompt. */
export const MAX_TOKENS_PER_CALL = 10_000_000;

/** What a call is expected to use before it is made. */
export interface CallEstimate {
  /** Estimated prompt tokens, cached ones included. */
  readonly inputTokens: number;
  /** The part of `inputTokens` expected to be served from the provider's cache (0 when unknown). */
  readonly cachedInputTokens: number;
  /** The call's `max_tokens`: the most output it can be billed for. */
  readonly maxOutputTokens: number;
}

/** What the provider reported after the call (OpenAI-style: cached tokens are part of input tokens). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
}

/** The most `estimate` can cost at `price`: uncached and cached input, plus `max_tokens` of output. */
export function worstCaseCostMicros(price: ModelPrice, estimate: CallEstimate): Micros {
  const input = tokens('estimate.inputTokens', estimate.inputTokens);
  const cached = tokens('estimate.cachedInputTokens', estimate.cachedInputTokens);
  const output = tokens('estimate.maxOutputTokens', estimate.maxOutputTokens);
  if (cached > input) {
    throw new BudgetInvalidAmountError(
      'estimate.cachedInputTokens',
      cached,
      `exceeds inputTokens (${input})`,
    );
  }
  return cost('worst-case cost', price, input, cached, output);
}

/** What `usage` cost at `price`. */
export function usageCostMicros(price: ModelPrice, usage: TokenUsage): Micros {
  const input = tokens('usage.inputTokens', usage.inputTokens);
  const cached = tokens('usage.cachedInputTokens', usage.cachedInputTokens);
  const output = tokens('usage.outputTokens', usage.outputTokens);
  if (cached > input) {
    throw new BudgetInvalidAmountError('usage.cachedInputTokens', cached, `exceeds inputTokens (${input})`);
  }
  return cost('usage cost', price, input, cached, output);
}

/** Checks a token count: a whole number in [0, MAX_TOKENS_PER_CALL]. */
export function tokens(field: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new BudgetInvalidAmountError(field, value, 'is not a number');
  }
  if (!Number.isFinite(value)) throw new BudgetInvalidAmountError(field, value, 'is not finite');
  if (value < 0) throw new BudgetInvalidAmountError(field, value, 'is negative');
  if (!Number.isInteger(value)) throw new BudgetInvalidAmountError(field, value, 'is not a whole number');
  if (value > MAX_TOKENS_PER_CALL) {
    throw new BudgetInvalidAmountError(
      field,
      value,
      `is above the sane maximum of ${MAX_TOKENS_PER_CALL} tokens`,
    );
  }
  return value;
}

/**
 * Sum of tokens x price in micro-USD-per-million units, exact in BigInt (10M tokens x 1e10 would pass
 * 2^53), then one division by a million rounded up: a call is never priced below what it costs.
 */
function cost(field: string, price: ModelPrice, input: number, cached: number, output: number): Micros {
  const scaled =
    BigInt(input - cached) * BigInt(price.inputMicrosPerMillion) +
    BigInt(cached) * BigInt(price.cachedInputMicrosPerMillion) +
    BigInt(output) * BigInt(price.outputMicrosPerMillion);
  const micros = (scaled + 999_999n) / 1_000_000n;
  if (micros > BigInt(MAX_CALL_MICROS)) {
    throw new BudgetInvalidAmountError(
      `${field} of ${price.model}`,
      `${micros} micro-USD`,
      `is above the sane maximum of ${MAX_CALL_MICROS} micro-USD per call`,
    );
  }
  return Number(micros);
}
