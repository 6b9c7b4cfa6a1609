import { describe, expect, it } from '@jest/globals';
import { BudgetInvalidAmountError } from './pricing-errors';
import { MAX_TOKENS_PER_CALL, usageCostMicros, worstCaseCostMicros } from './call-cost';
import { priceFor } from './price-table';

const price = priceFor(
  { m: { inputUsdPerMillion: 2, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 8 } },
  'm',
);

describe('worstCaseCostMicros', () => {
  it.each([
    // input, cached, max_tokens → micro-USD (USD/Mtok is micro-USD per token)
    [0, 0, 0, 0],
    [1_000, 0, 0, 2_000],
    [1_000, 1_000, 0, 500],
    [1_000, 400, 500, 600 * 2 + 400 * 0.5 + 500 * 8],
    [1_000_000, 0, 1_000_000, 10_000_000],
  ])('input %p (cached %p) + max_tokens %p = %p micro-USD', (input, cached, out, micros) => {
    expect(
      worstCaseCostMicros(price, { inputTokens: input, cachedInputTokens: cached, maxOutputTokens: out }),
    ).toBe(micros);
  });

  it('rounds a fraction of a micro-USD up, never down', () => {
    const cheap = priceFor(
      { c: { inputUsdPerMillion: 0.075, cachedInputUsdPerMillion: 0, outputUsdPerMillion: 0.3 } },
      'c',
    );
    // 1 input token at 0.075 micro-USD = 0.075 → 1
    expect(worstCaseCostMicros(cheap, { inputTokens: 1, cachedInputTokens: 0, maxOutputTokens: 0 })).toBe(1);
    // 40 input tokens = 3 micro-USD exactly
    expect(worstCaseCostMicros(cheap, { inputTokens: 40, cachedInputTokens: 0, maxOutputTokens: 0 })).toBe(3);
  });

  it.each([
    [{ inputTokens: -1, cachedInputTokens: 0, maxOutputTokens: 1 }, 'estimate.inputTokens', 'is negative'],
    [{ inputTokens: 1.5, cachedInputTokens: 0, maxOutputTokens: 1 }, 'estimate.inputTokens', 'whole number'],
    [
      { inputTokens: 1, cachedInputTokens: 0, maxOutputTokens: Number.NaN },
      'estimate.maxOutputTokens',
      'not a number',
    ],
    [
      { inputTokens: 1, cachedInputTokens: 0, maxOutputTokens: Infinity },
      'estimate.maxOutputTokens',
      'not finite',
    ],
    [
      { inputTokens: MAX_TOKENS_PER_CALL + 1, cachedInputTokens: 0, maxOutputTokens: 1 },
      'estimate.inputTokens',
      'sane',
    ],
    [
      { inputTokens: 10, cachedInputTokens: 11, maxOutputTokens: 1 },
      'estimate.cachedInputTokens',
      'exceeds inputTokens',
    ],
  ])('refuses %p naming %s', (estimate, field, problem) => {
    let err: unknown;
    try {
      worstCaseCostMicros(price, estimate);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BudgetInvalidAmountError);
    expect(err).toMatchObject({ field });
    expect((err as Error).message).toContain(problem);
  });

  it('refuses an absurd call cost even when every count is in range', () => {
    const dear = priceFor(
      { d: { inputUsdPerMillion: 10_000, cachedInputUsdPerMillion: 0, outputUsdPerMillion: 10_000 } },
      'd',
    );
    expect(() =>
      worstCaseCostMicros(dear, {
        inputTokens: MAX_TOKENS_PER_CALL,
        cachedInputTokens: 0,
        maxOutputTokens: 1,
      }),
    ).toThrow('sane maximum');
  });
});

describe('usageCostMicros', () => {
  it('prices cached input separately', () => {
    expect(usageCostMicros(price, { inputTokens: 1_000, cachedInputTokens: 800, outputTokens: 100 })).toBe(
      200 * 2 + 800 * 0.5 + 100 * 8,
    );
  });
  it('is never above the worst case of the same call', () => {
    const worst = worstCaseCostMicros(price, {
      inputTokens: 1_000,
      cachedInputTokens: 0,
      maxOutputTokens: 500,
    });
    expect(
      usageCostMicros(price, { inputTokens: 1_000, cachedInputTokens: 300, outputTokens: 499 }),
    ).toBeLessThan(worst);
  });
  it('refuses negative usage', () => {
    expect(() => usageCostMicros(price, { inputTokens: 1, cachedInputTokens: 0, outputTokens: -5 })).toThrow(
      BudgetInvalidAmountError,
    );
  });
});
